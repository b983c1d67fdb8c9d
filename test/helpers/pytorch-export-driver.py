# For test/pytorch-export.test.ts: for each directory given, loads model.py and
# weights.safetensors as a user would (load_state_dict strict=True), runs
# Model().predict on inputs.json ({x, lengths, ids}) and writes outputs.json.
import importlib.util
import json
import sys

import torch

for d in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location('exported_model', d + '/model.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.Model()
    model.load_state_dict(mod.load_weights(d + '/weights.safetensors'), strict=True)
    with open(d + '/inputs.json') as f:
        inp = json.load(f)
    x = torch.tensor(inp['x'], dtype=torch.int64 if inp['ids'] else torch.float32)
    y = model.predict(x, torch.tensor(inp['lengths'], dtype=torch.int64))
    with open(d + '/outputs.json', 'w') as f:
        json.dump(y.tolist(), f)
