// The Python source of the module exportPyTorch writes (model.py), less its config
// line. It rebuilds any exportable Sequential from the config, so the code is fixed
// and only the config varies. Submodules are registered under the rnn-wasm layer
// names, so state_dict() names are the ones rnn-wasm saves.
export const PYTORCH_MODULE = `"""A PyTorch module rebuilt from an rnn-wasm Sequential (rnn-wasm export --to pytorch).

    model = Model()
    model.load_state_dict(load_weights('weights.safetensors'), strict=True)
    logits = model(ids, lengths)           # for training: logits (or values)
    probs = model.predict(ids, lengths)    # what rnn-wasm's predictOutputs returns

ids: int64 [B, T] token ids (or [B, T, columns] for several fields / characters),
or float [B, T, features] for a model without an embedding; lengths: int64 [B],
the valid steps of each sequence (padded steps are ignored).
"""
import json
import struct

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

CELLS = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}


def load_weights(path):
    """The safetensors file as a state dict (the safetensors package when installed)."""
    try:
        from safetensors.torch import load_file
        return load_file(path)
    except ImportError:
        pass
    dtypes = {'F32': (torch.float32, 4), 'F16': (torch.float16, 2), 'BF16': (torch.bfloat16, 2), 'F64': (torch.float64, 8)}
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop('__metadata__', None)
    data = bytearray(raw[8 + n:])
    out = {}
    for name, e in header.items():
        begin, end = e['data_offsets']
        dtype, width = dtypes[e['dtype']]
        t = torch.frombuffer(data, dtype=dtype, count=(end - begin) // width, offset=begin)
        out[name] = t.reshape(e['shape']).to(torch.float32).clone()
    return out


def run_recurrent(rnn, x, lengths):
    """Outputs [B, T, F] over the valid steps only (zero past each length), and h_n."""
    packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    out, state = rnn(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out, state[0] if isinstance(state, tuple) else state


def merge(parts, how):
    if how == 'concat':
        return torch.cat(parts, -1)
    return parts[0] + parts[1] if how == 'sum' else 0.5 * parts[0] + 0.5 * parts[1]


class Embedding(nn.Module):
    """One table (weight) or one per field (weight_0, ...) concatenated, then the characters' BiLSTM states."""

    def __init__(self, spec):
        super().__init__()
        fields = spec.get('fields') or [{'vocabSize': spec['vocabSize'], 'dim': spec['dim']}]
        self.names = ['weight'] if len(fields) == 1 else ['weight_%d' % i for i in range(len(fields))]
        for n, f in zip(self.names, fields):
            self.register_parameter(n, nn.Parameter(torch.empty(f['vocabSize'], f['dim'])))
        self.chars = spec.get('chars')
        if self.chars:
            c = self.chars
            self.char_weight = nn.Parameter(torch.empty(c['vocabSize'], c['dim']))
            self.char_lstm = nn.LSTM(c['dim'], c['hiddenSize'], batch_first=True, bidirectional=True)

    def forward(self, ids):
        if ids.dim() == 2:
            ids = ids.unsqueeze(-1)
        parts = [F.embedding(ids[..., i], getattr(self, n)) for i, n in enumerate(self.names)]
        if self.chars:
            B, T, _ = ids.shape
            H = self.chars['hiddenSize']
            chars = ids[..., len(self.names):].reshape(B * T, -1)
            # A word's characters run up to its first 0; a word without any stays zero.
            n = (chars != 0).long().cumprod(1).sum(1)
            h = self.char_weight.new_zeros(B * T, 2 * H)
            some = n > 0
            if bool(some.any()):
                _, h_n = run_recurrent(self.char_lstm, F.embedding(chars[some], self.char_weight), n[some])
                h = h.index_put((some,), torch.cat([h_n[0], h_n[1]], -1))
            parts.append(h.reshape(B, T, 2 * H))
        return torch.cat(parts, -1)


def pool(x, lengths, mode):
    lengths = lengths.to(x.device)
    if mode == 'last':
        return x[torch.arange(x.shape[0], device=x.device), lengths - 1]
    valid = (torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None]).unsqueeze(-1)
    if mode == 'mean':
        return (x * valid).sum(1) / lengths[:, None].to(x.dtype)
    return x.masked_fill(~valid, float('-inf')).amax(1)


class Model(nn.Module):
    def __init__(self, config=None):
        super().__init__()
        self.config = config or CONFIG
        features = self.config['options'].get('inputFeatures', 0)
        for spec in self.config['layers']:
            t, name = spec['type'], spec['name']
            if t == 'embedding':
                m = Embedding(spec)
                fields = spec.get('fields') or [spec]
                features = sum(f['dim'] for f in fields) + (2 * spec['chars']['hiddenSize'] if spec.get('chars') else 0)
            elif t in CELLS:
                kw = dict(num_layers=spec.get('numLayers', 1), bias=spec.get('bias', True), batch_first=True,
                          dropout=spec.get('dropout', 0.0), bidirectional=spec.get('bidirectional', False))
                if t == 'rnn':
                    kw['nonlinearity'] = spec.get('nonlinearity', 'tanh')
                if spec.get('projSize'):
                    kw['proj_size'] = spec['projSize']
                m = CELLS[t](features, spec['hiddenSize'], **kw)
                width = spec.get('projSize') or spec['hiddenSize']
                features = 2 * width if kw['bidirectional'] and spec.get('merge', 'concat') == 'concat' else width
            elif t == 'dense':
                m = nn.Linear(features, spec['units'])
                features = spec['units']
            elif t == 'dropout':
                m = nn.Dropout(spec['rate'])
            else:
                continue
            if name in dir(self):
                raise ValueError("layer name '%s' is taken by nn.Module: rename the layer in rnn-wasm" % name)
            self.add_module(name, m)

    def forward(self, x, lengths):
        """Logits (cross-entropy models) or values (MSE), per step or per sequence."""
        lengths = torch.as_tensor(lengths, dtype=torch.int64)
        for spec in self.config['layers']:
            t, name = spec['type'], spec['name']
            if t in CELLS:
                out, h_n = run_recurrent(self._modules[name], x, lengths)
                how = spec.get('merge', 'concat')
                if spec.get('returnSequences', True):
                    x = merge(list(out.chunk(2, -1)), how) if spec.get('bidirectional') and how != 'concat' else out
                else:
                    x = merge(list(h_n[-2:]), how) if spec.get('bidirectional') else h_n[-1]
            elif t == 'pooling':
                x = pool(x, lengths, spec['mode'])
            else:
                x = self._modules[name](x)
        return x

    @torch.no_grad()
    def predict(self, x, lengths):
        """As rnn-wasm predicts: softmax probabilities for a cross-entropy model, values for MSE; in eval mode."""
        was = self.training
        self.eval()
        try:
            y = self.forward(x, lengths)
        finally:
            self.train(was)
        return y if self.config['options'].get('loss', 'crossEntropy') == 'mse' else F.softmax(y, -1)
`;
