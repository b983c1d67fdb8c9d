#!/usr/bin/env python3
"""ONNX import fixtures (run with Debian's /usr/bin/python3 + python3-torch):

  /usr/bin/python3 scripts/onnx_import_fixtures.py test/fixtures/onnx   (npm run fixtures:onnx)

exports a few nn.Embedding + nn.LSTM/GRU/RNN + nn.Linear modules (fixed seeds) with
torch.onnx.export (opset 14, two at 11 and 17; dynamic batch and time axes) to OUTDIR/NAME.onnx, and
writes OUTDIR/outputs.json: per module the input ids (batch-major, all sequences of
full length: the modules see no padding) and PyTorch's outputs for them (the Linear's
values, no softmax). test/onnx-import.test.ts imports each file and compares.
"""
import json
import sys
import warnings
from pathlib import Path

import torch
from torch import nn

CELLS = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}


class Tagger(nn.Module):
    """Embedding → recurrent → Linear per step, or on the last step: last='h' takes
    h_n[-1], 'y' the output's last step, 'h2' both directions' final states h_n[-2:]."""

    def __init__(self, cell, vocab, dim, hidden, classes, last=False, **rnn):
        super().__init__()
        self.last = last
        self.embedding = nn.Embedding(vocab, dim)
        self.rnn = CELLS[cell](dim, hidden, **rnn)
        width = hidden * (2 if rnn.get('bidirectional') and last != 'h' else 1)
        self.linear = nn.Linear(width, classes)

    def forward(self, ids):
        y, h = self.rnn(self.embedding(ids))
        h = h[0] if isinstance(h, tuple) else h
        if self.last == 'h':
            return self.linear(h[-1])
        if self.last == 'h2':
            return self.linear(torch.cat([h[-2], h[-1]], dim=1))
        if self.last == 'y':
            return self.linear(y[:, -1] if self.rnn.batch_first else y[-1])
        return self.linear(y)


MODULES = {
    'lstm_batch_first': dict(cell='lstm', vocab=20, dim=6, hidden=5, classes=4, batch_first=True),
    'gru_time_major_2_layers': dict(cell='gru', vocab=15, dim=4, hidden=6, classes=3, num_layers=2),
    'rnn_relu_bidirectional_batch_first': dict(cell='rnn', vocab=12, dim=5, hidden=4, classes=3, nonlinearity='relu', bidirectional=True, batch_first=True),
    'lstm_bidirectional_2_layers': dict(cell='lstm', vocab=10, dim=4, hidden=3, classes=2, num_layers=2, bidirectional=True),
    'gru_last_step_batch_first': dict(cell='gru', vocab=11, dim=3, hidden=5, classes=3, last='h', batch_first=True),
    'lstm_last_step_2_layers': dict(cell='lstm', vocab=9, dim=4, hidden=4, classes=2, last='h', num_layers=2),
    'lstm_last_output_step_batch_first': dict(cell='lstm', vocab=10, dim=4, hidden=5, classes=3, last='y', batch_first=True),
    'gru_bidirectional_final_states_2_layers': dict(cell='gru', vocab=10, dim=4, hidden=3, classes=2, last='h2', num_layers=2, bidirectional=True),
    # other opsets spell the glue differently (Squeeze's axes an attribute before 13)
    'lstm_bidirectional_opset_11': dict(cell='lstm', vocab=10, dim=4, hidden=3, classes=2, bidirectional=True, batch_first=True, opset=11),
    'rnn_last_step_opset_17': dict(cell='rnn', vocab=10, dim=4, hidden=3, classes=2, last='y', opset=17),
}


class StatefulTagger(nn.Module):
    """Embedding → LSTM / GRU → Linear per step, with the initial states as inputs and the
    final states as outputs: forward(ids, h0[, c0]) → (out, hn[, cn]), time-major."""

    def __init__(self, cell, vocab, dim, hidden, classes, **rnn):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.rnn = CELLS[cell](dim, hidden, **rnn)
        self.linear = nn.Linear(hidden * (2 if rnn.get('bidirectional') else 1), classes)

    def forward(self, ids, *states):
        y, h = self.rnn(self.embedding(ids), states if len(states) == 2 else states[0])
        return (self.linear(y), *(h if isinstance(h, tuple) else (h,)))


# initial states as graph inputs: the imported layer is stateful (it carries its final
# states to the next call); outputs for two batches, the second from the first's final states
STATEFUL = {
    'lstm_initial_states_2_layers': dict(cell='lstm', vocab=10, dim=4, hidden=3, classes=2, num_layers=2),
    'gru_initial_state_bidirectional': dict(cell='gru', vocab=10, dim=4, hidden=3, classes=2, bidirectional=True),
}


def stateful(out, results):
    for i, (name, spec) in enumerate(STATEFUL.items()):
        torch.manual_seed(200 + i)
        module = StatefulTagger(**spec).eval()
        L, D, H = spec.get('num_layers', 1), 2 if spec.get('bidirectional') else 1, spec['hidden']
        B, T = 3, 5
        kinds = ['h', 'c'] if spec['cell'] == 'lstm' else ['h']
        states = [torch.zeros(L * D, B, H) for _ in kinds]
        batches = [torch.randint(0, spec['vocab'], (T, B)) for _ in range(2)]
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            torch.onnx.export(module, (batches[0], *states), str(out / f'{name}.onnx'),
                              input_names=['ids'] + [f'{k}0' for k in kinds], output_names=['out'] + [f'{k}n' for k in kinds],
                              dynamic_axes={'ids': {0: 'T', 1: 'B'}, **{f'{k}0': {1: 'B'} for k in kinds}}, opset_version=14)
        results[name] = {'batches': []}
        with torch.no_grad():
            for ids in batches:
                y, *states = module(ids, *states)
                results[name]['batches'].append({'ids': ids.t().tolist(), 'outputs': y.transpose(0, 1).tolist()})


def main(outdir):
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    for i, (name, spec) in enumerate(MODULES.items()):
        torch.manual_seed(100 + i)
        spec = dict(spec)
        opset = spec.pop('opset', 14)
        module = Tagger(**spec).eval()
        batch_first = spec.get('batch_first', False)
        B, T = 3, 5
        ids = torch.randint(0, spec['vocab'], (B, T))
        feed = ids if batch_first else ids.t().contiguous()
        dyn = {0: 'B', 1: 'T'} if batch_first else {0: 'T', 1: 'B'}
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            torch.onnx.export(module, (feed,), str(out / f'{name}.onnx'), input_names=['ids'], output_names=['out'],
                              dynamic_axes={'ids': dyn, 'out': {}}, opset_version=opset)
        with torch.no_grad():
            y = module(feed)
        if not spec.get('last') and not batch_first:
            y = y.transpose(0, 1)  # [T, B, C] → [B, T, C], as predictOutputs returns it
        results[name] = {'ids': ids.tolist(), 'outputs': y.tolist()}
    stateful(out, results)
    (out / 'outputs.json').write_text(json.dumps(results))
    print(f'wrote {len(results)} modules to {out}')


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/onnx')
