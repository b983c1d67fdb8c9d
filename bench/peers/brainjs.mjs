// brain.js 1.6.1 peer: its recurrent LSTM / GRU / RNN (brain.recurrent.*) trains one
// sequence at a time (no batching), so it is timed on the same number of tokens as a
// W1 step: 32 sequences of 63 tokens = 32 × 64 steps (it adds a start step), an
// embedding of 64 over 63 token ids + start, hidden 128, a head to 64 classes (its
// only objective: predict the next token, softmax cross-entropy) and, after each
// sequence, its own update (RMSprop with clipping). Reported: ms per 2048 tokens.
import { createRequire } from 'node:module';
import { measure } from '../timing.mjs';

const require = createRequire(import.meta.url);

/** Returns { version, cells: { lstm: { w1 }, … } } (ms per 32 × 64 tokens), or null with a notice. */
export async function brainjsPeer(wl, { cells = ['lstm', 'gru', 'rnn'], reps = 3, log = console.log } = {}) {
  let brain;
  try {
    brain = require('brain.js');
  } catch (e) {
    log(`  brain.js peer skipped: ${e.message.split('\n')[0]}`);
    return null;
  }
  const { T, B, E, H, C, batch } = wl;
  // Token ids 0…62 (brain.js reserves one id for start/end): 63 per sequence → 64 steps.
  const seqs = batch.inputs.map((s) => s.slice(0, T - 1).map((v) => v % (C - 1)));
  const out = { version: require('brain.js/package.json').version, cells: {} };
  for (const cell of cells) {
    const Net = { lstm: brain.recurrent.LSTM, gru: brain.recurrent.GRU, rnn: brain.recurrent.RNN }[cell];
    const net = new Net({ inputSize: E, inputRange: C - 1, hiddenLayers: [H], outputSize: C - 1, learningRate: 0.01 });
    net.initialize();
    const w1 = await measure(() => { for (let b = 0; b < B; b++) net.trainPattern(seqs[b]); }, { warmup: 1, minSamples: reps });
    out.cells[cell] = { w1 };
    log(`  brain.js ${cell}: ${w1.median.toFixed(0)} ms per ${B} × ${T} tokens`);
  }
  return out;
}
