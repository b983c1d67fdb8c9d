#!/usr/bin/env python3
"""Exports the reference models for the onnxruntime peer (torch.onnx.export, opset 14)
into a folder (default build/onnx): per cell (lstm, gru, rnn) the W2 model
`x` int64 [64, 32] (time-major token ids) -> `probs` [64, 32, 64], and the W3 streaming
model `x` [1, 1], `h0` [1, 1, 128] (LSTM also `c0`) -> `probs`, `h1` (`c1`), the state
carried from call to call. Embedding 1000 -> 64, hidden 128, dense head to 64 classes
with softmax, as bench/peers/pytorch_recurrent.py. Weights are random (seed 1): the
timing does not depend on them."""
import os
import sys
import warnings

import torch
from torch import nn

T, B, V, E, H, C = 64, 32, 1000, 64, 128, 64


class Model(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.cell = cell
        self.embedding = nn.Embedding(V, E)
        self.rnn = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[cell](E, H)
        self.head = nn.Linear(H, C)

    def forward(self, x, *state):
        st = None if not state else (state if self.cell == 'lstm' else state[0])
        out, st = self.rnn(self.embedding(x), st)
        probs = torch.softmax(self.head(out), -1)
        return (probs, *st) if self.cell == 'lstm' else (probs, st)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else 'build/onnx'
    os.makedirs(out, exist_ok=True)
    warnings.filterwarnings('ignore')
    for cell in ['lstm', 'gru', 'rnn']:
        torch.manual_seed(1)
        m = Model(cell).eval()
        with torch.no_grad():
            torch.onnx.export(m, (torch.zeros(T, B, dtype=torch.long),), f'{out}/{cell}-w2.onnx',
                              input_names=['x'], output_names=['probs'], opset_version=14)
            states = ['h0', 'c0'] if cell == 'lstm' else ['h0']
            zeros = tuple(torch.zeros(1, 1, H) for _ in states)
            torch.onnx.export(m, (torch.zeros(1, 1, dtype=torch.long), *zeros), f'{out}/{cell}-w3.onnx',
                              input_names=['x', *states], output_names=['probs', *[s.replace('0', '1') for s in states]],
                              opset_version=14)
    print(out)


if __name__ == '__main__':
    main()
