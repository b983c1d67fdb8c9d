// A Sequential as a PyTorch module: model.py (a fixed nn.Module that rebuilds the
// model from its config, pytorch-python.ts) and weights.safetensors under the names
// that module's state_dict() has — rnn-wasm's own names, so no mapping is needed.
// What PyTorch cannot express the same way is refused here, naming the layer.
import { ArgumentError, ConfigError } from '../errors.js';
import { Sequential } from '../model/sequential.js';
import type { LayerSpec } from '../config/layer-schemas.js';
import { writeSafetensors } from './safetensors.js';
import { PYTORCH_MODULE } from './pytorch-python.js';

export interface PyTorchExport {
  /** class Model (an nn.Module) and load_weights(path), with the model's config inside. */
  'model.py': string;
  /** The weights under Model().state_dict() names (F32). */
  'weights.safetensors': Uint8Array;
}

// Model's own attributes and nn.Module's (torch 1.13, and a few later ones): a layer
// name is a submodule attribute there, and add_module refuses these.
const TAKEN = new Set(`T_destination add_module apply bfloat16 buffers call_super_init children compile config cpu cuda
  double dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half ipu
  load_state_dict modules mtia named_buffers named_children named_modules named_parameters parameters predict
  register_backward_hook register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook
  register_full_backward_pre_hook register_load_state_dict_post_hook register_load_state_dict_pre_hook register_module
  register_parameter register_state_dict_pre_hook requires_grad_ set_extra_state share_memory state_dict to to_empty
  train training type xpu zero_grad`.split(/\s+/));

/** Throws a ConfigError naming the first layer option the PyTorch module cannot reproduce. */
function checkExportable(layers: readonly LayerSpec[]): void {
  for (const spec of layers) {
    const s = spec as LayerSpec & Record<string, unknown>, where = `layer '${String(s.name)}' (${s.type})`;
    if (TAKEN.has(String(s.name)) || String(s.name).startsWith('_')) {
      throw new ConfigError(`${where}: the name is an attribute of PyTorch's nn.Module (or starts with '_', as its private ones do); rename the layer (name: '…') to export it, since the name prefixes its weights`);
    }
    if (s.type === 'gru' && s.resetBefore) {
      throw new ConfigError(`${where}: a reset-before GRU (resetBefore: true) has no PyTorch cell (nn.GRU resets after); it cannot be exported to PyTorch`);
    }
    // PyTorch stacks bidirectional layers on concatenated directions only.
    if (s.bidirectional && (s.merge ?? 'concat') !== 'concat' && ((s.numLayers as number | undefined) ?? 1) > 1) {
      throw new ConfigError(`${where}: merge '${String(s.merge)}' between ${String(s.numLayers)} stacked layers has no nn.${String(s.type).toUpperCase()} equivalent (it concatenates directions); export needs merge 'concat' or numLayers 1`);
    }
  }
}

/**
 * The model as a self-contained PyTorch module: `model.py` (class Model, and
 * load_weights, which reads safetensors without the safetensors package) and
 * `weights.safetensors`; `Model().load_state_dict(load_weights(path), strict=True)`
 * holds the same weights, and `Model().predict(ids, lengths)` gives predictOutputs'
 * values. Stateful layers export as ordinary ones (PyTorch callers carry states themselves).
 */
export function exportPyTorch(model: Sequential): PyTorchExport {
  if (!(model instanceof Sequential)) throw new ArgumentError('exportPyTorch expects a Sequential model');
  const json = model.toJSON();
  checkExportable(json.layers);
  const { loss, inputFeatures } = json.options as { loss?: string; inputFeatures?: number };
  const config = { layers: json.layers, options: { loss, inputFeatures } };
  // Layer names are [A-Za-z0-9_-] and the rest are numbers and fixed words: no quote to escape.
  const source = `${PYTORCH_MODULE}\n\nCONFIG = json.loads('${JSON.stringify(config)}')\n`;
  return { 'model.py': source, 'weights.safetensors': writeSafetensors(model.stateDict()) };
}
