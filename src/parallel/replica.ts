// How a prediction worker rebuilds the model it serves: from the model's JSON by the
// model-kind registry (its weights then arrive through the shared buffer), or, for an
// int8 model, from its int8 model file, since the integers and scales are not in the
// f32 parameters the buffer carries (those are the dequantized values, the same in both).
import type { Runtime } from '../runtime/runtime.js';
import { modelFromJSON } from '../io/model-kinds.js';
import { loadModel, saveModel } from '../io/model-file.js';
import { Sequential } from '../model/sequential.js';

export type Replica = { params: { f32(): Float32Array }; parametersChanged(): void };

/** The int8 model file a replica of `model` needs, or undefined for an f32 model. */
export function int8ReplicaFile(model: unknown): Uint8Array | undefined {
  return model instanceof Sequential && model.quantized ? saveModel(model) : undefined;
}

/** A worker's replica: from the int8 file when given, else from the config (weights zero until the first request). */
export function buildReplica(rt: Runtime, config: { format: string }, int8?: Uint8Array): Replica {
  return (int8 ? loadModel(rt, int8) : modelFromJSON(rt, config, false)) as unknown as Replica;
}
