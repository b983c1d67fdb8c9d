# For test/pytorch-export.test.ts: for each directory given, loads model.py and
# weights.safetensors as a user would (load_state_dict strict=True), runs
# Model().predict on inputs.json ({x, lengths, ids}) and writes outputs.json; then
# trains a few steps (train mode: dropout on), saves the state_dict as
# trained.safetensors and writes the trained model's predictions to trained.json.
import importlib.util
import json
import struct
import sys

import torch


def save(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().to(torch.float32).numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


torch.manual_seed(0)
for d in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location('exported_model', d + '/model.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    model = mod.Model()
    model.load_state_dict(mod.load_weights(d + '/weights.safetensors'), strict=True)
    with open(d + '/inputs.json') as f:
        inp = json.load(f)
    x = torch.tensor(inp['x'], dtype=torch.int64 if inp['ids'] else torch.float32)
    lengths = torch.tensor(inp['lengths'], dtype=torch.int64)
    with open(d + '/outputs.json', 'w') as f:
        json.dump(model.predict(x, lengths).tolist(), f)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(3):
        loss = (model(x, lengths) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    save(d + '/trained.safetensors', model.state_dict())
    with open(d + '/trained.json', 'w') as f:
        json.dump(model.predict(x, lengths).tolist(), f)
