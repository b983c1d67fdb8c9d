// Sample timing for the peers and our own suites alike: a few warm-up calls, then
// samples until both a minimum count and a minimum time are reached (capped). Returns
// milliseconds per call as { median, min, max, n }. `f` may return a promise
// (onnxruntime's run is asynchronous); it is awaited inside the timed region.
export async function measure(f, { warmup = 1, minSamples = 3, seconds = 0, maxSamples = 1000 } = {}) {
  for (let i = 0; i < warmup; i++) await f();
  const times = [];
  const end = performance.now() + seconds * 1000;
  while (times.length < maxSamples && (times.length < minSamples || performance.now() < end)) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return summarize(times);
}

/** { median, min, max, n } of a list of times (any unit). */
export function summarize(times) {
  const s = [...times].sort((a, b) => a - b);
  const n = s.length, mid = n >> 1;
  return { median: n % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[n - 1], n };
}

/** benny's case result (seconds per call) as milliseconds { median, min, max, n }. */
export function fromBenny(r, scale = 1000) {
  const d = r.details;
  return { median: d.median * scale, min: d.min * scale, max: d.max * scale, n: r.samples };
}

/** Multiplies every figure of a { median, min, max } by k (e.g. per-100-step samples to per step). */
export function scale(s, k) {
  return { ...s, median: s.median * k, min: s.min * k, max: s.max * k };
}
