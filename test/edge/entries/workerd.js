// A Cloudflare Worker serving the inference scenario. Workers refuse to compile wasm
// from bytes, so the precompiled forward-only module is imported (the bundler leaves
// *.wasm and the model file to the Workers runtime: CompiledWasm and Data modules).
import * as lib from '../../../src/inference.ts';
import { inference } from '../scenario.js';
import wasm from './rnn-simd-forward.wasm';
import model from './model.safetensors';
import modelInt8 from './model-int8.safetensors';

export default {
  async fetch(request) {
    const url = new URL(request.url);
    try {
      // /embedded: what happens without the precompiled module (Workers forbid it).
      const options = url.pathname === '/embedded' ? {} : { module: wasm };
      if (url.pathname === '/train') {
        // A training step asked of the forward-only runtime (Sequential's own method; no optimizer is bundled).
        const m = await lib.loadModelFrom(await lib.loadRuntime(options), model);
        return Response.json(m.lossAndGradients({ inputs: [[1, 2]], targets: [[2, 3]] }));
      }
      return Response.json(await inference(lib, url.pathname === '/int8' ? modelInt8 : model, options));
    } catch (e) {
      return Response.json({ error: `${e.name}: ${e.message}` }, { status: 500 });
    }
  },
};
