// The web demo: fetch the tagger's model file, then tag what the user types, entirely in
// the page. In an application, import from 'rnn-wasm/inference' instead of ../../dist.
// The model file carries its preprocessing (tokenizer, word features, tags), so
// loadModel + tagText is all it takes.
import { loadRuntime, loadModel, readModelSource } from '../../dist/inference.js';

const text = document.querySelector('#text');
const tags = document.querySelector('#tags');
const status = document.querySelector('#status');

async function start() {
  const t0 = performance.now();
  const rt = await loadRuntime(); // async compile: some browsers refuse large synchronous compiles on the main thread
  const tagger = loadModel(rt, await readModelSource(new URL('./model.safetensors', import.meta.url)));
  const loadMs = performance.now() - t0;
  let first;
  const render = () => {
    const t1 = performance.now();
    const tokens = tagger.tagText(text.value);
    const ms = performance.now() - t1;
    const words = tokens.map((t) => t.token), tagged = tokens.map((t) => t.label);
    first ??= ms;
    tags.replaceChildren(...words.map((w, i) => {
      const span = document.createElement('span');
      span.className = `tok ${tagged[i] === '.' ? 'PUNCT' : tagged[i]}`;
      span.append(Object.assign(document.createElement('b'), { textContent: w }), Object.assign(document.createElement('small'), { textContent: tagged[i] }));
      return span;
    }));
    status.textContent = `model loaded in ${loadMs.toFixed(0)} ms · first prediction ${first.toFixed(1)} ms · this one ${ms.toFixed(1)} ms for ${words.length} words`;
    globalThis.demoResult = { words, tags: tagged, loadMs, firstMs: first };
  };
  text.addEventListener('input', render);
  render();
}

start().catch((e) => {
  status.textContent = `could not start: ${e.message}`;
  globalThis.demoResult = { error: e.message };
});
