#!/usr/bin/env python3
"""Keras `.keras` import fixtures (run with Debian's /usr/bin/python3 + python3-h5py):

  /usr/bin/python3 scripts/keras_fixtures.py test/fixtures/keras   (npm run fixtures:keras)

Keras itself cannot be installed on this project's machines, so this script writes
`.keras` files in Keras 3.x's saving format by hand, with h5py, and computes the
expected outputs with its own float64 NumPy implementation of the Keras layers.

The layout follows Keras 3.x's saving code (keras-team/keras, read at version 3.16.0:
keras/src/saving/saving_lib.py — `_save_model_to_fileobj`, `_save_state`,
`_save_container_state`, `H5IOStore`; and each layer's `build()` / `save_own_variables`
for the order of its variables):
- the `.keras` file is a zip (stored, not deflated) of `metadata.json`, `config.json`
  (the model's `serialize_keras_object`: module, class_name, config with its layers,
  build_config) and `model.weights.h5`;
- in the h5 file every saveable object has a group `PATH/vars` (carrying a `name`
  attribute since Keras 3.6) holding its own variables as datasets `0`, `1`, …, in the
  order the layer created them: the model at `vars`; a Sequential's layers at
  `layers/<snake_case(class name)>` made unique by `_1`, `_2`, … (not by the layer's
  name); an RNN layer's cell at `…/cell` (kernel, recurrent_kernel, bias);
  Bidirectional's copies at `…/forward_layer/cell` and `…/backward_layer/cell`;
  TimeDistributed's layer at `…/layer`; Dense (kernel, bias); Embedding (embeddings).

Per case it writes OUTDIR/NAME.keras and, in OUTDIR/outputs.json, the inputs
(sequences without their padding; for a model whose Embedding has mask_zero the
reference runs them right-padded with 0 and masked, as Keras does) and the outputs of
the reference (per valid step, or per sequence). It also writes three damaged files
for the error tests. A cross-check against TensorFlow.js is not possible: tfjs cannot
read `.keras` files.
"""
import io
import json
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np

KERAS_VERSION = '3.16.0'
DATE = (2026, 1, 1, 0, 0, 0)  # fixed zip timestamps: the fixtures are reproducible


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def snake(name):
    import re
    name = re.sub(r'\W+', '', name)
    name = re.sub('(.)([A-Z][a-z]+)', r'\1_\2', name)
    return re.sub('([a-z])([A-Z])', r'\1_\2', name).lower()


def policy():
    return {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': None}


def init(cls):
    return {'module': 'keras.initializers', 'class_name': cls, 'config': {'seed': None}, 'registered_name': None}


def serialized(cls, config, input_shape=None):
    out = {'module': 'keras.layers', 'class_name': cls, 'config': config, 'registered_name': None}
    if input_shape is not None:
        out['build_config'] = {'input_shape': input_shape}
    return out


# ---- layers: each knows its Keras config, its variables and its float64 forward ----

class Embedding:
    cls = 'Embedding'

    def __init__(self, rng, vocab, dim, mask_zero=False):
        self.vocab, self.dim, self.mask_zero = vocab, dim, mask_zero
        self.vars = [rng.normal(size=(vocab, dim)).astype(np.float32)]

    def config(self, name):
        return {'name': name, 'trainable': True, 'dtype': policy(), 'input_dim': self.vocab, 'output_dim': self.dim,
                'embeddings_initializer': init('RandomUniform'), 'embeddings_regularizer': None,
                'activity_regularizer': None, 'embeddings_constraint': None, 'mask_zero': self.mask_zero,
                'quantization_config': None}

    def forward(self, ids, mask):
        return self.vars[0].astype(np.float64)[ids], (ids != 0) if self.mask_zero else mask


class Cell:
    """SimpleRNN / LSTM / GRU: Keras' kernel [I, G·u], recurrent_kernel [u, G·u], bias."""
    gates = {'SimpleRNN': 1, 'LSTM': 4, 'GRU': 3}

    def __init__(self, rng, cls, inputs, units, use_bias=True, activation='tanh', reset_after=True,
                 return_sequences=False):
        self.cls, self.units, self.use_bias, self.activation = cls, units, use_bias, activation
        self.reset_after, self.return_sequences = reset_after, return_sequences
        G = self.gates[cls]
        s = 1 / np.sqrt(units)
        self.vars = [rng.uniform(-s, s, (inputs, G * units)).astype(np.float32),
                     rng.uniform(-s, s, (units, G * units)).astype(np.float32)]
        if use_bias:
            shape = (2, G * units) if cls == 'GRU' and reset_after else (G * units,)
            self.vars.append(rng.normal(0, 0.5, shape).astype(np.float32))

    def config(self, name, go_backwards=False):
        c = {'name': name, 'trainable': True, 'dtype': policy(), 'return_sequences': self.return_sequences,
             'return_state': False, 'go_backwards': go_backwards, 'stateful': False, 'unroll': False,
             'zero_output_for_mask': False, 'units': self.units, 'activation': self.activation,
             'use_bias': self.use_bias, 'kernel_initializer': init('GlorotUniform'),
             'recurrent_initializer': init('Orthogonal'), 'bias_initializer': init('Zeros'),
             'kernel_regularizer': None, 'recurrent_regularizer': None, 'bias_regularizer': None,
             'activity_regularizer': None, 'kernel_constraint': None, 'recurrent_constraint': None,
             'bias_constraint': None, 'dropout': 0.0, 'recurrent_dropout': 0.0, 'seed': None}
        if self.cls != 'SimpleRNN':
            c['recurrent_activation'] = 'sigmoid'
        if self.cls == 'LSTM':
            c['unit_forget_bias'] = True
        if self.cls == 'GRU':
            c['reset_after'] = self.reset_after
        return c

    def step(self, x, state):
        K, R = (v.astype(np.float64) for v in self.vars[:2])
        b = self.vars[2].astype(np.float64) if self.use_bias else np.zeros((2, K.shape[1]) if self.cls == 'GRU' and self.reset_after else K.shape[1])
        u = self.units
        h = state[0]
        if self.cls == 'SimpleRNN':
            z = x @ K + h @ R + b
            h = np.tanh(z) if self.activation == 'tanh' else np.maximum(z, 0)
            return h, [h]
        if self.cls == 'LSTM':  # gates i, f, c, o
            z = x @ K + h @ R + b
            i, f, g, o = sigmoid(z[:, :u]), sigmoid(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), sigmoid(z[:, 3 * u:])
            c = f * state[1] + i * g
            h = o * np.tanh(c)
            return h, [h, c]
        # GRU, gates z, r, h
        if self.reset_after:
            mx, mh = x @ K + b[0], h @ R + b[1]
            z = sigmoid(mx[:, :u] + mh[:, :u])
            r = sigmoid(mx[:, u:2 * u] + mh[:, u:2 * u])
            hh = np.tanh(mx[:, 2 * u:] + r * mh[:, 2 * u:])
        else:
            mx = x @ K + b
            z = sigmoid(mx[:, :u] + h @ R[:, :u])
            r = sigmoid(mx[:, u:2 * u] + h @ R[:, u:2 * u])
            hh = np.tanh(mx[:, 2 * u:] + (r * h) @ R[:, 2 * u:])
        h = z * h + (1 - z) * hh
        return h, [h]

    def run(self, x, mask, backwards=False, zero_output=False):
        """Keras' masked loop: a masked step keeps the states and repeats the previous
        output (zeros with zero_output_for_mask). Returns [B, T, u] in input order."""
        B, T, _ = x.shape
        state = [np.zeros((B, self.units)) for _ in range(2 if self.cls == 'LSTM' else 1)]
        out, prev = np.zeros((B, T, self.units)), np.zeros((B, self.units))
        for t in (range(T - 1, -1, -1) if backwards else range(T)):
            y, new = self.step(x[:, t], state)
            m = mask[:, t:t + 1]
            state = [np.where(m, n, s) for n, s in zip(new, state)]
            prev = np.where(m, y, 0 if zero_output else prev)
            out[:, t] = prev
        return out, state[0]


class Recurrent:
    def __init__(self, cell):
        self.cell, self.cls = cell, cell.cls

    def config(self, name):
        return self.cell.config(name)

    def store(self, put, path):
        put(f'{path}/cell', self.cell.vars, f'{snake(self.cls)}_cell')

    def forward(self, x, mask):
        out, h = self.cell.run(x, mask)
        return (out, mask) if self.cell.return_sequences else (h, None)


class Bidirectional:
    cls = 'Bidirectional'

    def __init__(self, forward, backward, merge_mode):
        self.f, self.b, self.merge_mode = forward, backward, merge_mode

    def config(self, name):
        inner = snake(self.f.cls)
        return {'name': name, 'trainable': True, 'dtype': policy(), 'merge_mode': self.merge_mode,
                'layer': serialized(self.f.cls, self.f.config(f'forward_{inner}')),
                'backward_layer': serialized(self.b.cls, self.b.config(f'backward_{inner}', go_backwards=True))}

    def store(self, put, path):
        for side, cell in (('backward', self.b), ('forward', self.f)):
            put(f'{path}/{side}_layer', [], f'{side}_{snake(cell.cls)}')
            put(f'{path}/{side}_layer/cell', cell.vars, f'{snake(cell.cls)}_cell')

    def forward(self, x, mask):
        seq = self.f.return_sequences
        fo, fh = self.f.run(x, mask, zero_output=seq)
        bo, bh = self.b.run(x, mask, backwards=True, zero_output=seq)
        a, b = (fo, bo) if seq else (fh, bh)
        merged = {'concat': lambda: np.concatenate([a, b], -1), 'sum': lambda: a + b, 'ave': lambda: (a + b) / 2}[self.merge_mode]()
        return merged, (mask if seq else None)


class Dense:
    cls = 'Dense'

    def __init__(self, rng, inputs, units, activation='linear', use_bias=True):
        self.units, self.activation, self.use_bias = units, activation, use_bias
        self.vars = [rng.normal(0, 0.7, (inputs, units)).astype(np.float32)]
        if use_bias:
            self.vars.append(rng.normal(0, 0.5, (units,)).astype(np.float32))

    def config(self, name):
        return {'name': name, 'trainable': True, 'dtype': policy(), 'units': self.units, 'activation': self.activation,
                'use_bias': self.use_bias, 'kernel_initializer': init('GlorotUniform'), 'bias_initializer': init('Zeros'),
                'kernel_regularizer': None, 'bias_regularizer': None, 'kernel_constraint': None,
                'bias_constraint': None, 'quantization_config': None}

    def forward(self, x, mask):
        y = x @ self.vars[0].astype(np.float64) + (self.vars[1].astype(np.float64) if self.use_bias else 0)
        if self.activation == 'softmax':
            e = np.exp(y - y.max(-1, keepdims=True))
            y = e / e.sum(-1, keepdims=True)
        return y, mask


class TimeDistributed:
    cls = 'TimeDistributed'

    def __init__(self, dense):
        self.dense = dense

    def config(self, name):
        return {'name': name, 'trainable': True, 'dtype': policy(), 'layer': serialized('Dense', self.dense.config('dense'))}

    def store(self, put, path):
        put(f'{path}/layer', self.dense.vars, 'dense')

    def forward(self, x, mask):
        return self.dense.forward(x, mask)


class Dropout:
    cls = 'Dropout'
    vars = []

    def __init__(self, rate):
        self.rate = rate

    def config(self, name):
        return {'name': name, 'trainable': True, 'dtype': policy(), 'rate': self.rate, 'seed': None, 'noise_shape': None}

    def forward(self, x, mask):
        return x, mask  # inference: identity


class Conv1D:
    """Only for the refusal test: config and variables, no forward."""
    cls = 'Conv1D'

    def __init__(self, rng, inputs, filters):
        self.filters = filters
        self.vars = [rng.normal(size=(2, inputs, filters)).astype(np.float32), np.zeros(filters, np.float32)]

    def config(self, name):
        return {'name': name, 'trainable': True, 'dtype': policy(), 'filters': self.filters, 'kernel_size': [2],
                'strides': [1], 'padding': 'valid', 'activation': 'linear', 'use_bias': True}


# ---- the .keras file ----

def write_keras(path, layers, input_shape, input_dtype, drop=None):
    """`drop`: a dataset path left out of the h5 file (the damaged-file test)."""
    names, used = [], {}
    for layer in layers:
        base = snake(layer.cls)
        used[base] = used.get(base, -1) + 1
        names.append(base if used[base] == 0 else f'{base}_{used[base]}')
    config = {
        'module': 'keras', 'class_name': 'Sequential',
        'config': {'name': 'sequential', 'trainable': True, 'dtype': policy(), 'layers': [
            {'module': 'keras.layers', 'class_name': 'InputLayer', 'registered_name': None,
             'config': {'batch_shape': input_shape, 'dtype': input_dtype, 'sparse': False, 'ragged': False,
                        'name': 'input_layer', 'optional': False}},
        ] + [serialized(l.cls, l.config(n)) for l, n in zip(layers, names)], 'build_input_shape': input_shape},
        'registered_name': None, 'build_config': {'input_shape': input_shape}, 'compile_config': None,
    }
    buf = io.BytesIO()
    with h5py.File(buf, 'w') as h5:
        def put(group, arrays, name=None):
            g = h5.create_group(f'{group}/vars' if group else 'vars')
            if name:
                g.attrs['name'] = name
            for i, a in enumerate(arrays):
                if f'{group}/vars/{i}' != drop:
                    g[str(i)] = a
        put('', [], 'sequential')
        for layer, name in zip(layers, names):
            where = f'layers/{name}'
            put(where, getattr(layer, 'vars', []) if not hasattr(layer, 'store') else [], name)
            if hasattr(layer, 'store'):
                layer.store(put, where)
    with zipfile.ZipFile(path, 'w') as zf:  # ZIP_STORED, as Keras writes it
        for name, data in [('metadata.json', json.dumps({'keras_version': KERAS_VERSION, 'date_saved': '2026-01-01@00:00:00'}).encode()),
                           ('config.json', json.dumps(config).encode()),
                           ('model.weights.h5', buf.getvalue())]:
            zf.writestr(zipfile.ZipInfo(name, DATE), data)


def run(layers, x, mask):
    for layer in layers:
        if hasattr(layer, 'forward'):
            x, mask = layer.forward(x, mask)
    return x


def cases():
    V, T, E = 13, 6, 4
    rng = np.random.default_rng(7)

    def emb(mask_zero=False):
        return Embedding(rng, V, E, mask_zero)

    def cell(*a, **k):
        return Cell(rng, *a, **k)

    def bi(cls, inputs, units, merge, **k):
        return Bidirectional(cell(cls, inputs, units, **k), cell(cls, inputs, units, **k), merge)

    yield 'lstm_last_softmax', [emb(), Recurrent(cell('LSTM', E, 5)), Dense(rng, 5, 3, 'softmax')], 'ids', [6, 6, 6]
    yield 'gru_reset_after_sequences_time_distributed', [emb(), Recurrent(cell('GRU', E, 4, return_sequences=True)),
                                                          TimeDistributed(Dense(rng, 4, 3))], 'ids', [6, 6, 6]
    yield 'gru_reset_before_last_dense', [emb(), Dropout(0.25), Recurrent(cell('GRU', E, 4, reset_after=False)), Dense(rng, 4, 2)], 'ids', [6, 6, 6]
    yield 'stacked_lstm_no_bias_dense', [emb(), Recurrent(cell('LSTM', E, 3, return_sequences=True)),
                                         Recurrent(cell('LSTM', 3, 4, use_bias=False)), Dense(rng, 4, 3, 'softmax', use_bias=False)], 'ids', [6, 6, 6]
    yield 'bidirectional_lstm_concat_mask_zero', [emb(True), bi('LSTM', E, 3, 'concat', return_sequences=True), Dropout(0.1),
                                                  TimeDistributed(Dense(rng, 6, 3, 'softmax'))], 'ids', [6, 4, 2]
    yield 'bidirectional_gru_sum_then_simple_rnn_ave', [emb(), bi('GRU', E, 4, 'sum', return_sequences=True),
                                                        bi('SimpleRNN', 4, 3, 'ave', activation='relu'), Dense(rng, 3, 3, 'softmax')], 'ids', [6, 6, 6]
    yield 'gru_reset_before_mask_zero_last', [emb(True), Recurrent(cell('GRU', E, 4, reset_after=False)),
                                              Dense(rng, 4, 3, 'softmax')], 'ids', [6, 3, 5]
    yield 'bidirectional_gru_reset_after_mask_zero_last', [emb(True), bi('GRU', E, 3, 'concat'), Dense(rng, 6, 2)], 'ids', [5, 6, 2]
    yield 'simple_rnn_features_sequences', [Recurrent(cell('SimpleRNN', 2, 4, return_sequences=True)), Dense(rng, 4, 2)], 'features', [6, 6, 6]


def main(outdir):
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    V, T = 13, 6
    expected = {}
    for name, layers, kind, lengths in cases():
        B = len(lengths)
        mask = np.array([[t < n for t in range(T)] for n in lengths])
        if kind == 'ids':
            ids = rng.integers(1, V, (B, T)) * mask  # 0 only as padding, at the end
            x, shape, dtype = ids, [None, T], 'int32'
            inputs = [[int(v) for v in row[:n]] for row, n in zip(ids, lengths)]
        else:
            x = rng.normal(size=(B, T, 2)).astype(np.float32).astype(np.float64)
            shape, dtype = [None, T, 2], 'float32'
            inputs = [[[float(v) for v in step] for step in row[:n]] for row, n in zip(x.astype(np.float32), lengths)]
        y = run(layers, x, mask)
        outputs = [row[:n].tolist() for row, n in zip(y, lengths)] if y.ndim == 3 else y.tolist()
        write_keras(out / f'{name}.keras', layers, shape, dtype)
        expected[name] = {'inputs': inputs, 'outputs': outputs}
        print(f'{name}: {B} sequences, lengths {lengths}, output {np.asarray(y).shape}')
    # Damaged files for the error tests.
    E = 4
    write_keras(out / 'damaged_missing_dataset.keras', [Embedding(rng, V, E), Recurrent(Cell(rng, 'LSTM', E, 3)), Dense(rng, 3, 2)],
                [None, T], 'int32', drop='layers/lstm/cell/vars/1')
    write_keras(out / 'unsupported_conv1d.keras', [Embedding(rng, V, E), Conv1D(rng, E, 2), Recurrent(Cell(rng, 'GRU', 2, 3)), Dense(rng, 3, 2)],
                [None, T], 'int32')
    (out / 'outputs.json').write_text(json.dumps(expected, indent=1) + '\n')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/keras')
