// The same work in every runtime (Node, Chromium, a Web Worker, workerd, an edge VM):
// plain JavaScript that takes the library as an argument, so each test runs this very
// code and compares the result with Node's. Results are plain arrays (JSON-safe).
export const PROBE = [[1, 2, 3, 4, 5, 6], [7, 8, 9]];
const LABELS = [[2, 3, 4, 5, 6, 7], [8, 9, 0]];

/** Load a model, predict, stream step by step, generate with sampling. */
export async function inference(lib, source, loadOptions) {
  const rt = await lib.loadRuntime(loadOptions);
  const model = await lib.loadModelFrom(rt, source);
  const outputs = model.predictOutputs(PROBE);
  const stream = model.stream(1);
  const streamed = PROBE[0].map((t) => Array.from(stream.step([t])));
  const generated = lib.generate(model, [1, 2], { maxTokens: 8, temperature: 0.9, topK: 5, seed: 4 });
  return { outputs, streamed, generated };
}

/** A few Adam steps on the loaded model (full entry only: optimizers). */
export async function training(lib, source) {
  const rt = await lib.loadRuntime();
  const model = await lib.loadModelFrom(rt, source);
  const optimizer = lib.optim.adam({ lr: 0.01 });
  const losses = [];
  for (let i = 0; i < 3; i++) losses.push(model.trainStep({ inputs: PROBE, targets: LABELS }, optimizer).loss);
  return { losses, outputs: model.predictOutputs(PROBE) };
}
