// rnn-wasm/keras: the Keras `.keras` import. Its own entry because it needs the optional
// peers fflate (zip) and jsfive (HDF5): importing rnn-wasm or rnn-wasm/inference never loads them.
export { importKeras } from './io/keras-import.js';
