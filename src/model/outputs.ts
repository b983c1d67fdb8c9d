// The shapes models take and give: one input sequence, and what a model outputs.

/** One sequence of token ids, of [field][…] ids for multi-field embeddings, or of feature vectors ([t][f]). */
export type ModelInput = readonly number[] | Int32Array | readonly (readonly number[] | Float32Array)[];

/** What a model outputs: one class or one vector of values, per step or per sequence. */
export type OutputKind = 'step-classes' | 'sequence-classes' | 'step-values' | 'sequence-values';
