// The wasm ABI (assembly/index.ts) as TypeScript sees it: pointers are byte offsets
// into the module's memory, flags are 0/1. The interface is generated from the
// AssemblyScript sources (scripts/kernel-abi.mjs) and test/kernel-abi.test.ts checks it
// against the instantiated module, so it cannot drift from the exports.
export type { Kernels, Ptr } from './kernels.generated.js';
