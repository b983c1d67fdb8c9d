// A user's own model kind for the two-thread tests: a Sequential inside, its own
// format, DataParallel by delegation. Plain JavaScript, because a training worker
// imports it (ParallelOptions.workerModules) and registers the kind in the worker's
// registry from the built library; a test builds the same class from the sources.

/** The class, made from a library namespace (the built one in the worker, the sources in a test). */
export function defineSplittable(lib) {
  return class Splittable {
    constructor(rt, hidden, init = true) {
      this.hidden = hidden;
      this.inner = new lib.Sequential(rt, [lib.layers.embedding({ vocabSize: 20, dim: 6 }), lib.layers.gru({ hiddenSize: hidden }), lib.layers.dense({ units: 5 })], { seed: 9 }, init);
    }
    get rt() { return this.inner.rt; }
    get params() { return this.inner.params; }
    get grads() { return this.inner.grads; }
    get rng() { return this.inner.rng; }
    trainStep(b, o, s) { return this.inner.trainStep(b, o, s); }
    evaluate(b) { return this.inner.evaluate(b); }
    resetStates() { this.inner.resetStates(); }
    stateDict() { return this.inner.stateDict(); }
    loadStateDict(d) { this.inner.loadStateDict(d); }
    gradientDict() { return this.inner.gradientDict(); }
    toJSON() { return { format: 'test/splittable', hidden: this.hidden }; }
    dispose() { this.inner.dispose(); }
    parallelRefusal() { return this.inner.parallelRefusal(); }
    splitBatch(b, o, a) { return this.inner.splitBatch(b, o, a); }
    shareBytes(s) { return this.inner.shareBytes(s); }
    writeShare(s, h, d) { this.inner.writeShare(s, h, d); }
    readShare(h, d) { return this.inner.readShare(h, d); }
    shareGradients(s, scale, rng) { return this.inner.shareGradients(s, scale, rng); }
    parametersChanged() { this.inner.parametersChanged(); }
    applyGradients(o, n, s) { this.inner.applyGradients(o, n, s); }
  };
}

/** Registers the kind in the registry of `lib`. */
export function registerSplittable(lib) {
  const Splittable = defineSplittable(lib);
  lib.registerModelKind('test/splittable', (rt, json, init) => new Splittable(rt, json.hidden, init));
  return Splittable;
}

// On import, into the built library's registry: the one a training worker reads.
registerSplittable(await import('../../dist/index.js'));
