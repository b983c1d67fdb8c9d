#!/usr/bin/env python3
"""PyTorch CPU peer for `npm run bench`: the same reference workloads as
bench/recurrent.bench.mjs (W1 train step: embedding 64 -> LSTM/GRU/RNN 128 -> dense 64
at every step, cross-entropy summed over steps, BPTT, one Adam step; W2 forward with
softmax; W3 one streaming step at batch 1) and W4 (LSTM 512 over 512 input features,
batch 64, 32 steps, dense head to 64 classes, training step), one thread (the best
setting on 2 cores). Prints one JSON line per cell (and one for W4) with
{median, min, max, n} in milliseconds (microseconds for W3).

usage: pytorch_recurrent.py [seconds] [--w4-only|--no-w4]"""
import json
import statistics
import sys
import time

import torch
from torch import nn

torch.set_num_threads(1)
T, B, V, E, H, C = 64, 32, 1000, 64, 128, 64


class Model(nn.Module):
    def __init__(self, cell, inputs=E, hidden=H, embed=True):
        super().__init__()
        self.embedding = nn.Embedding(V, inputs) if embed else nn.Identity()
        self.rnn = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[cell](inputs, hidden)
        self.head = nn.Linear(hidden, C)

    def forward(self, x, state=None):
        out, state = self.rnn(self.embedding(x), state)
        return self.head(out), state


def timed(f, seconds=2.0, warmup=3, min_samples=5, per=1.0):
    for _ in range(warmup):
        f()
    times, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < min_samples:
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1000 * per)
    return {'median': statistics.median(times), 'min': min(times), 'max': max(times), 'n': len(times)}


def train_fn(m, x, y):
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss(reduction='sum')

    def train():
        opt.zero_grad()
        logits, _ = m(x)
        loss_fn(logits.reshape(-1, C), y.reshape(-1)).backward()
        opt.step()
    return train


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    seconds = float(args[0]) if args else 2.0
    g = torch.Generator().manual_seed(5)
    if '--w4-only' not in sys.argv:
        x = torch.randint(0, V, (T, B), generator=g)
        y = torch.randint(0, C, (T, B), generator=g)
        for cell in ['lstm', 'gru', 'rnn']:
            torch.manual_seed(1)
            m = Model(cell)

            def infer():
                with torch.no_grad():
                    torch.softmax(m(x)[0], -1)

            state = [None]
            tok = torch.zeros(1, 1, dtype=torch.long)

            def stream100():
                with torch.no_grad():
                    for _ in range(100):
                        logits, state[0] = m(tok, state[0])
                        torch.softmax(logits, -1)

            print(json.dumps({'cell': cell, 'w1': timed(train_fn(m, x, y), seconds), 'w2': timed(infer, seconds),
                              'w3': timed(stream100, seconds, per=10), 'torch': torch.__version__}), flush=True)
    if '--no-w4' not in sys.argv:
        T4, B4, I4, H4 = 32, 64, 512, 512
        torch.manual_seed(1)
        m = Model('lstm', I4, H4, embed=False)
        x = torch.randn(T4, B4, I4, generator=g)
        y = torch.randint(0, C, (T4, B4), generator=g)
        print(json.dumps({'cell': 'w4', 'w4': timed(train_fn(m, x, y), seconds, warmup=2, min_samples=5),
                          'torch': torch.__version__}), flush=True)


if __name__ == '__main__':
    main()
