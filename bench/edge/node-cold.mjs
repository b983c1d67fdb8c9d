// Run as a fresh process: import → first prediction of the W3 model, in ms.
const t0 = performance.now();
const { loadRuntime, loadModel } = await import('../../dist/inference.js');
const { readFile } = await import('node:fs/promises');
const model = loadModel(await loadRuntime(), new Uint8Array(await readFile(process.argv[2])));
model.stream(1).step([1]);
console.log(JSON.stringify({ ms: performance.now() - t0 }));
