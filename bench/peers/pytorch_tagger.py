#!/usr/bin/env python3
"""PyTorch peer of the pos-brown tagger (bench/tagger.bench.mjs): the same architecture
as src/cli/tasks/pos-tagger.ts on the same encoded data and split, written by the JS
side to a JSON file (the tagger's own preprocessing: per token [word, suffix 3,
suffix 2, shape, its last 10 characters left-aligned and 0-padded]).

  word 64 | suffix-3 24 | suffix-2 12 | shape 4 embeddings, and a character BiLSTM
  (embedding 12, 16 units per direction, final states of both directions) per word
  -> BiLSTM 96 per direction over the sentence -> Linear to the 12 tags.

Training as the task does: Adam and the batch size of the task's defaults (--lr, --batch-size), sentences shuffled then sorted by
length within pools of 50 batches (bucketing), the batches shuffled, cross-entropy
averaged over the real tokens, gradient norm clipped at 5. One epoch with the best
thread count (1 or 2, chosen by timing the first `probe` batches with each), then
token accuracy on the test split. Prints one JSON line.

usage: pytorch_tagger.py DATA.json --lr X --batch-size N [--probe N] [--threads N]"""
import json
import random
import sys
import time

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

FIELDS = 4


class Tagger(nn.Module):
    def __init__(self, sizes, chars, tags, word_dim=64, hidden=96, char_dim=12, char_hidden=16):
        super().__init__()
        dims = [word_dim, 24, 12, 4]
        self.fields = nn.ModuleList(nn.Embedding(v, d) for v, d in zip(sizes, dims))
        self.char_emb = nn.Embedding(chars, char_dim)
        self.char_rnn = nn.LSTM(char_dim, char_hidden, bidirectional=True)
        self.char_hidden = char_hidden
        self.rnn = nn.LSTM(sum(dims) + 2 * char_hidden, hidden, bidirectional=True)
        self.head = nn.Linear(2 * hidden, tags)

    def forward(self, ids, lengths):
        # ids: [T, B, FIELDS + maxChars] int64; lengths: [B] sentence lengths
        T, B, _ = ids.shape
        feats = [e(ids[:, :, i]) for i, e in enumerate(self.fields)]
        chars = ids[:, :, FIELDS:].reshape(T * B, -1)
        clen = (chars != 0).sum(-1)
        real = clen > 0  # padded steps have no characters: their representation stays zero
        sel = chars[real]
        packed = pack_padded_sequence(self.char_emb(sel).transpose(0, 1), clen[real].cpu(), enforce_sorted=False)
        _, (hn, _) = self.char_rnn(packed)
        rep = torch.zeros(T * B, 2 * self.char_hidden)
        rep[real] = torch.cat([hn[0], hn[1]], -1)
        x = torch.cat(feats + [rep.view(T, B, -1)], -1)
        out, _ = self.rnn(pack_padded_sequence(x, lengths, enforce_sorted=False))
        out, _ = pad_packed_sequence(out, total_length=T)
        return self.head(out)


def batches(examples, batch_size, bucket, rng):
    order = examples[:]
    rng.shuffle(order)
    pool = bucket * batch_size
    order = [e for i in range(0, len(order), pool) for e in sorted(order[i:i + pool], key=lambda e: len(e[1]))]
    out = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(out)
    return out


def tensors(batch, width):
    T = max(len(tags) for _, tags in batch)
    ids = torch.zeros(T, len(batch), width, dtype=torch.long)
    y = torch.full((T, len(batch)), -100, dtype=torch.long)
    for b, (rows, tags) in enumerate(batch):
        ids[:len(rows), b] = torch.tensor(rows, dtype=torch.long)
        y[:len(tags), b] = torch.tensor(tags, dtype=torch.long)
    return ids, torch.tensor([len(t) for _, t in batch]), y


def train(model, opt, bs, width):
    loss_fn = nn.CrossEntropyLoss(ignore_index=-100)
    model.train()
    tokens = 0
    for batch in bs:
        ids, lengths, y = tensors(batch, width)
        opt.zero_grad()
        logits = model(ids, lengths)
        loss_fn(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        tokens += int(lengths.sum())
    return tokens


def accuracy(model, examples, width):
    model.eval()
    ok = n = 0
    with torch.no_grad():
        for i in range(0, len(examples), 256):
            ids, lengths, y = tensors(examples[i:i + 256], width)
            pred = model(ids, lengths).argmax(-1)
            mask = y != -100
            ok += int((pred[mask] == y[mask]).sum())
            n += int(mask.sum())
    return ok / max(1, n)


def make(d, lr, seed=1):
    torch.manual_seed(seed)
    model = Tagger(d['fieldSizes'], d['chars'], d['tags'])
    return model, torch.optim.Adam(model.parameters(), lr=lr)


def main():
    args = sys.argv[1:]
    data = json.load(open(args[0]))
    probe = int(args[args.index('--probe') + 1]) if '--probe' in args else 60
    forced = int(args[args.index('--threads') + 1]) if '--threads' in args else None
    lr = float(args[args.index('--lr') + 1])
    batch_size = int(args[args.index('--batch-size') + 1])
    width = FIELDS + data['maxChars']
    bs = batches(data['train'], batch_size, 50, random.Random(1))
    probes = {}
    if forced is None:
        # Timed on the same first batches with each thread count, from the same start.
        for n in (1, 2):
            torch.set_num_threads(n)
            model, opt = make(data, lr)
            train(model, opt, bs[:5], width)  # warm-up
            t0 = time.perf_counter()
            tok = train(model, opt, bs[5:5 + probe], width)
            probes[n] = tok / (time.perf_counter() - t0)
    threads = forced or max(probes, key=probes.get)
    torch.set_num_threads(threads)
    model, opt = make(data, lr)
    t0 = time.perf_counter()
    tokens = train(model, opt, bs, width)
    seconds = time.perf_counter() - t0
    print(json.dumps({'torch': torch.__version__, 'threads': threads, 'probeTokensPerSecond': probes, 'epochSeconds': seconds,
                      'tokens': tokens, 'tokensPerSecond': tokens / seconds, 'accuracy': accuracy(model, data['test'], width)}), flush=True)


if __name__ == '__main__':
    main()
