#!/usr/bin/env python3
"""PyTorch CPU peer for `npm run bench`: the same reference workloads as
bench/recurrent.bench.mjs (W1 train step: embedding 64 -> LSTM/GRU/RNN 128 -> dense 64
at every step, summed cross-entropy, BPTT, one Adam step; W2 forward; W3 one streaming
step at batch 1), one thread (the best setting on 2 cores). Prints one JSON line per
cell with median milliseconds (and microseconds for W3)."""
import json
import statistics
import sys
import time

import torch
from torch import nn

torch.set_num_threads(1)
T, B, V, E, H, C = 64, 32, 1000, 64, 128, 64


class Model(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.embedding = nn.Embedding(V, E)
        self.rnn = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[cell](E, H)
        self.head = nn.Linear(H, C)

    def forward(self, x, state=None):
        out, state = self.rnn(self.embedding(x), state)
        return self.head(out), state


def median_ms(f, seconds=2.0):
    for _ in range(3):
        f()
    times, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 5:
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    g = torch.Generator().manual_seed(5)
    x = torch.randint(0, V, (T, B), generator=g)
    y = torch.randint(0, C, (T, B), generator=g)
    for cell in ['lstm', 'gru', 'rnn']:
        torch.manual_seed(1)
        m = Model(cell)
        opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss(reduction='mean')

        def train():
            opt.zero_grad()
            logits, _ = m(x)
            loss_fn(logits.reshape(-1, C), y.reshape(-1)).backward()
            opt.step()

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

        print(json.dumps({'cell': cell, 'trainMs': median_ms(train, seconds), 'inferMs': median_ms(infer, seconds),
                          'streamUs': median_ms(stream100, seconds) * 10, 'torch': torch.__version__}), flush=True)


if __name__ == '__main__':
    main()
