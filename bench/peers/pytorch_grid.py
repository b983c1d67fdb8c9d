#!/usr/bin/env python3
"""PyTorch CPU peer for the shape grid (bench/grid.bench.mjs): a server on stdin/stdout
so that its measurements can alternate with rnn-wasm's, round by round, in one run.
Each request is one JSON line {cell, T, B, I, H, L, bi, C, seconds, min_samples, threads}: the
training step of nn.LSTM/GRU/RNN(I, H, num_layers=L, bidirectional=bi) on float inputs
[T, B, I], a Linear head to C classes at every step, CrossEntropyLoss(sum), BPTT and
one Adam step, on `threads` threads (default 1). The answer is one JSON line {median, min, max, n} (ms).
The model of a shape is kept, so later rounds time the same one. A first line
{"torch": version} says it is ready."""
import json
import statistics
import sys
import time

import torch
from torch import nn

torch.set_num_threads(1)
models = {}


def make(req):
    key = json.dumps({k: req[k] for k in ('cell', 'T', 'B', 'I', 'H', 'L', 'bi', 'C')}, sort_keys=True)
    if key not in models:
        torch.manual_seed(1)
        g = torch.Generator().manual_seed(5)
        T, B, I, H, L, bi, C = (req[k] for k in ('T', 'B', 'I', 'H', 'L', 'bi', 'C'))
        rnn = {'lstm': nn.LSTM, 'gru': nn.GRU, 'rnn': nn.RNN}[req['cell']](I, H, num_layers=L, bidirectional=bool(bi))
        head = nn.Linear(H * (2 if bi else 1), C)
        params = list(rnn.parameters()) + list(head.parameters())
        opt = torch.optim.Adam(params, lr=1e-3)
        loss_fn = nn.CrossEntropyLoss(reduction='sum')
        x = torch.rand(T, B, I, generator=g) * 2 - 1
        y = torch.randint(0, C, (T, B), generator=g)

        def step():
            opt.zero_grad()
            out, _ = rnn(x)
            loss_fn(head(out).reshape(-1, C), y.reshape(-1)).backward()
            opt.step()
        step()
        models[key] = step
    return models[key]


def timed(f, seconds, min_samples):
    f()
    times, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < min_samples:
        t0 = time.perf_counter()
        f()
        times.append((time.perf_counter() - t0) * 1000)
    return {'median': statistics.median(times), 'min': min(times), 'max': max(times), 'n': len(times)}


def main():
    print(json.dumps({'torch': torch.__version__}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        torch.set_num_threads(req.get('threads', 1))
        print(json.dumps(timed(make(req), req.get('seconds', 0.5), req.get('min_samples', 3))), flush=True)


if __name__ == '__main__':
    main()
