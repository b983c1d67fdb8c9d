#!/usr/bin/env python3
"""PyTorch parity for rnn-wasm, both ways (run with Debian's /usr/bin/python3 + python3-torch).

  generate OUTDIR   writes one safetensors fixture per configuration: the module's
                    state_dict (names prefixed 'rnn.'), inputs, lengths, initial
                    states, upstream gradients, and PyTorch's outputs, final states
                    and every gradient. Computed in float64 from float32-representable
                    values, stored as F32. test/pytorch-parity.test.ts reads them.
  check FILE...     loads files written by scripts/export-parity-probe.mjs (weights
                    saved by rnn-wasm plus a probe batch and rnn-wasm's outputs) into
                    torch.nn.RNN / LSTM / GRU with load_state_dict(strict=True) and
                    compares the outputs. Exit status 1 on any mismatch.

safetensors is read and written by the 30 lines below (Debian has no safetensors
package); with the pip package, safetensors.torch.load_file reads the same files.
"""
import json
import struct
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

DTYPES = {'F32': np.float32, 'F64': np.float64, 'F16': np.float16, 'I64': np.int64, 'I32': np.int32}


def write_safetensors(path, tensors, metadata):
    header, offset, blobs = {'__metadata__': metadata}, 0, []
    for name, t in tensors.items():
        a = np.ascontiguousarray(t.detach().cpu().numpy().astype('<f4'))
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + a.nbytes]}
        offset += a.nbytes
        blobs.append(a.tobytes())
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    Path(path).write_bytes(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def read_safetensors(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    data = raw[8 + n:]
    out = {}
    for name, e in header.items():
        b, end = e['data_offsets']
        a = np.frombuffer(data[b:end], dtype=np.dtype(DTYPES[e['dtype']]).newbyteorder('<')).reshape(e['shape'])
        out[name] = torch.from_numpy(a.astype(np.float64))
    return out, meta


def make_module(cfg):
    kind = cfg['cell']
    args = dict(input_size=cfg['inputSize'], hidden_size=cfg['hiddenSize'], num_layers=cfg['numLayers'],
                bidirectional=cfg['bidirectional'], bias=cfg.get('bias', True))
    if kind == 'rnn':
        return nn.RNN(nonlinearity=cfg.get('nonlinearity', 'tanh'), **args)
    if kind == 'lstm':
        return nn.LSTM(proj_size=cfg.get('projSize', 0), **args)
    return nn.GRU(**args)


def run(module, x, lengths, h0, c0, is_lstm):
    packed = pack_padded_sequence(x, lengths, enforce_sorted=False)
    state = (h0, c0) if is_lstm else h0
    out, st = module(packed, state) if h0 is not None else module(packed)
    out, _ = pad_packed_sequence(out, total_length=x.shape[0])
    hn, cn = (st if is_lstm else (st, None))
    return out, hn, cn


CONFIGS = [
    dict(numLayers=1, bidirectional=False, inputSize=3, hiddenSize=5, T=4, lengths=[4, 2, 3], init=False),
    dict(numLayers=2, bidirectional=True, inputSize=4, hiddenSize=7, T=5, lengths=[5, 1, 3], init=True),
    dict(numLayers=3, bidirectional=False, inputSize=5, hiddenSize=4, T=3, lengths=[3, 3], init=True),
    dict(numLayers=1, bidirectional=True, inputSize=6, hiddenSize=9, T=6, lengths=[6, 4, 2, 5], init=False),
    dict(numLayers=3, bidirectional=True, inputSize=2, hiddenSize=3, T=4, lengths=[2, 4], init=True),
]
CELLS = [('rnn', 'tanh'), ('rnn', 'relu'), ('lstm', None), ('gru', None)]
# bias=False (no bias_ih / bias_hh at all): stacked, bidirectional, both, for every cell.
NO_BIAS = [dict(CONFIGS[k], bias=False) for k in (1, 2, 3)]
# LSTM proj_size (h_t = W_hr (o * tanh(c_t)), weight_hr_l{k}): stacked, bidirectional, with and without bias.
PROJ = [dict(CONFIGS[1], projSize=3), dict(CONFIGS[2], projSize=2), dict(CONFIGS[3], projSize=4),
        dict(CONFIGS[4], projSize=2, bias=False)]


def f32(t):
    return t.float().double()


def generate(outdir):
    Path(outdir).mkdir(parents=True, exist_ok=True)
    torch.set_default_dtype(torch.float64)
    for ci, (cell, nl) in enumerate(CELLS):
        for k, c in enumerate(CONFIGS + NO_BIAS + (PROJ if cell == 'lstm' else [])):
            torch.manual_seed(1000 * ci + k)
            cfg = dict(cell=cell, **{key: c[key] for key in ('numLayers', 'bidirectional', 'inputSize', 'hiddenSize')})
            for key in ('bias', 'projSize'):
                if key in c:
                    cfg[key] = c[key]
            if nl:
                cfg['nonlinearity'] = nl
            module = make_module(cfg).double()
            with torch.no_grad():
                for p in module.parameters():
                    p.copy_(f32(p))
            T, B, H, D, L = c['T'], len(c['lengths']), c['hiddenSize'], 2 if c['bidirectional'] else 1, c['numLayers']
            is_lstm = cell == 'lstm'
            x = f32(torch.randn(T, B, c['inputSize'])).requires_grad_()
            Hh = c.get('projSize', H)  # floats of h
            h0 = f32(torch.randn(L * D, B, Hh)).requires_grad_() if c['init'] else None
            c0 = f32(torch.randn(L * D, B, H)).requires_grad_() if c['init'] and is_lstm else None
            lengths = torch.tensor(c['lengths'])
            out, hn, cn = run(module, x, lengths, h0, c0, is_lstm)
            g_out, g_hn = f32(torch.randn_like(out)), f32(torch.randn_like(hn))
            loss = (out * g_out).sum() + (hn * g_hn).sum()
            g_cn = f32(torch.randn_like(cn)) if is_lstm else None
            if is_lstm:
                loss = loss + (cn * g_cn).sum()
            loss.backward()
            t = {f'rnn.{n}': p for n, p in module.state_dict().items()}
            t.update(input=x, lengths=lengths.double(), grad_output=g_out, grad_hn=g_hn, output=out, hn=hn)
            t['grad.input'] = x.grad
            if is_lstm:
                t.update(grad_cn=g_cn, cn=cn)
            if h0 is not None:
                t.update(h0=h0)
                t['grad.h0'] = h0.grad
            if c0 is not None:
                t.update(c0=c0)
                t['grad.c0'] = c0.grad
            for n, p in module.named_parameters():
                t[f'grad.rnn.{n}'] = p.grad
            name = f"{cell}{'_' + nl if nl else ''}_L{L}{'_bi' if D == 2 else ''}_I{c['inputSize']}_H{H}{'_P' + str(c['projSize']) if 'projSize' in c else ''}_T{T}_B{B}{'_init' if c['init'] else ''}{'_nobias' if not c.get('bias', True) else ''}"
            write_safetensors(Path(outdir) / f'{name}.safetensors', t, {'config': json.dumps(cfg), 'torch': torch.__version__})
            print('wrote', name)


def check(files):
    torch.set_default_dtype(torch.float64)
    worst, failed = 0.0, False
    for f in files:
        t, meta = read_safetensors(f)
        cfg = json.loads(meta['config'])
        module = make_module(cfg).double()
        weights = {k: v for k, v in t.items() if not k.startswith('probe.')}
        module.load_state_dict(weights, strict=True)  # names, shapes: exactly nn.RNN/LSTM/GRU's
        is_lstm = cfg['cell'] == 'lstm'
        with torch.no_grad():
            out, hn, cn = run(module, t['probe.input'], t['probe.lengths'].long(), None, None, is_lstm)
        diffs = [(out - t['probe.output']).abs().max().item(), (hn - t['probe.hn']).abs().max().item()]
        if is_lstm:
            diffs.append((cn - t['probe.cn']).abs().max().item())
        d = max(diffs)
        worst = max(worst, d)
        ok = d <= 1e-5
        failed |= not ok
        print(f"{'ok  ' if ok else 'FAIL'} {Path(f).name}: max |torch - rnn-wasm| = {d:.2e}")
    print(f'{len(files)} files, worst difference {worst:.2e} (tolerance 1e-5)')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'generate':
        generate(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == 'check':
        check(sys.argv[2:])
    else:
        print(__doc__)
        sys.exit(2)
