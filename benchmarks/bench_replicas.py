"""Replicas against networks trained one by one (rgdl.rbm.replicas vs rgdl.rbm.fit).

Usage::

    python benchmarks/bench_replicas.py [--rows 20000] [--replicas 10] [--repeats 3]

For each layer shape of chapter 5's small layers (100x25 and 400x100), times one CD-1
epoch (batch 100, the DBN's settings: visible probabilities in the negative phase,
L1 2e-4, no monitors) of

- one network alone (``fit``),
- ``R`` networks trained one after another (``R`` x ``fit``),
- ``R`` replicas trained together (``fit_replicas``),

all in this process, and prints the ratio replicas / one network (the issue's target is
at most 2 for R = 10 on the 100x25 layer) and the speed-up over the one-by-one loop.
Medians over ``repeats``; the second of two epochs is timed. Absolute times depend on
the machine and its load: quote the ratios, with the device.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from rgdl.rbm import RBM, fit
from rgdl.rbm.replicas import fit_replicas

SETTINGS = dict(batch_size=100, lr=0.1, momentum=0.5, final_momentum=0.9, l1=2e-4,
                sample_visible=False, monitors=(), progress=False)


def _epoch_seconds(hist) -> float:
    return hist["time"][-1]


def time_one(nv, nh, x, seed) -> float:
    return _epoch_seconds(fit(RBM(nv, nh, seed=seed), x, epochs=2, seed=seed, **SETTINGS))


def time_replicas(nv, nh, x, R) -> float:
    hists = fit_replicas([RBM(nv, nh, seed=r) for r in range(R)], x, seeds=range(R), epochs=2,
                         **SETTINGS)
    return hists[0]["time"][-1] * R  # history stores the epoch's time shared per replica


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--replicas", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread, rows {args.rows}, "
          f"R = {args.replicas}")
    for nv, nh in ((100, 25), (400, 100)):
        x = torch.as_tensor((np.random.default_rng(0).random((args.rows, nv)) < 0.5)
                            .astype(np.float32))
        one, loop, rep = [], [], []
        for _ in range(args.repeats):
            one.append(time_one(nv, nh, x, 0))
            t0 = time.perf_counter()
            for r in range(args.replicas):
                time_one(nv, nh, x, r)
            loop.append((time.perf_counter() - t0) / 2)  # two epochs per fit
            rep.append(time_replicas(nv, nh, x, args.replicas))
        m1, ml, mr = (statistics.median(v) for v in (one, loop, rep))
        print(f"{nv}x{nh}: one network {m1:.3f} s/epoch, {args.replicas} one by one ~{ml:.3f} s, "
              f"{args.replicas} replicas {mr:.3f} s -> replicas / one = {mr / m1:.2f}, "
              f"speed-up over the loop {ml / mr:.1f}x")


if __name__ == "__main__":
    main()
