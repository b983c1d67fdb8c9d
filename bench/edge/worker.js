// The cold-start worker: imports the precompiled forward-only module (what
// rnn-wasm/inference embeds) and the W3 model, answers one stream step.
import { loadRuntime, loadModel } from '../../dist/inference.js';
import wasm from './rnn-simd-forward.wasm';
import model from './model.safetensors';

export default {
  async fetch() {
    const m = loadModel(await loadRuntime({ module: wasm }), new Uint8Array(model));
    const probs = m.stream(1).step([1]);
    return Response.json({ argmax: probs.indexOf(Math.max(...probs)) });
  },
};
