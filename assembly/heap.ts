// Where the TypeScript planner may start handing out memory (both modules export it).

/** First free byte after the module's static data: where the TypeScript planner starts. */
export function heapBase(): usize {
  return __heap_base;
}
