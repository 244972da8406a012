"""Time the pieces of the paper-scale block-spin experiment (chapter 5) and extrapolate.

Usage::

    python benchmarks/bench_dbn.py [--rows 2000] [--threads N] [--device cpu|cuda]

Measures, on the current machine:

- one CD-1 epoch (rgdl.rbm.fit, the DBN's settings: batch 100, L1, momentum,
  probabilities in the negative phase, free-energy monitor) of each layer shape
  of the paper's DBN, 1600x400, 400x100, 100x25, on ``rows`` random binary rows
  (the second of two epochs is timed);
- ``ising.dataset`` for 40x40 at K = 0.408, 0.2 and 0.6 (cache off) on ``rows`` samples;

and prints the time the paper-scale chapter would take: five DBNs (main run and four
controls) of 200 epochs per layer on 20,000 samples, plus 22,000 samples of data at
each of the three couplings. Extrapolation is linear in samples and epochs.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from rgdl import ising
from rgdl.core import runtime
from rgdl.rbm import RBM, fit

SHAPES = ((1600, 400), (400, 100), (100, 25))
PAPER_ROWS, PAPER_HELD, PAPER_EPOCHS, RUNS = 20_000, 2_000, 200, 5


def time_epoch(n_visible, n_hidden, rows, device, seed=0) -> float:
    """Seconds per epoch of CD-1 over ``rows`` samples for one layer shape."""
    gen = np.random.default_rng(seed)
    x = torch.as_tensor((gen.random((rows, n_visible)) < 0.5).astype(np.float32))
    held = x[: min(500, rows)]
    rbm = RBM(n_visible, n_hidden, seed=seed, device=device)
    hist = fit(rbm, x, epochs=2, l1=2e-4, heldout=held, monitors=("free_energy",),
               sample_visible=False, progress=False, seed=seed)
    return float(hist["time"][-1])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=2000)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--device", default=None)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device) if args.device else runtime.device(prefer_cuda=True)
    print(f"device {device}, torch threads {torch.get_num_threads()}, {args.rows} rows")
    total_train = 0.0
    for nv, nh in SHAPES:
        t = time_epoch(nv, nh, args.rows, device)
        paper = t * PAPER_ROWS / args.rows * PAPER_EPOCHS
        total_train += paper
        print(f"layer {nv:>4}x{nh:<3}: {t:7.3f} s/epoch ({1e3 * t / args.rows:.4f} ms per sample); "
              f"paper layer {paper / 60:6.2f} min")
    total_data = 0.0
    for K in (0.408, 0.2, 0.6):
        t0 = time.perf_counter()
        ising.dataset(40, K, args.rows, seed=0, cache=False, progress=False)
        t = time.perf_counter() - t0
        paper = t * (PAPER_ROWS + PAPER_HELD) / args.rows
        total_data += paper
        print(f"data K={K}: {t:6.2f} s for {args.rows} samples; paper {paper:6.1f} s")
    print(f"paper-scale estimate: training {RUNS} DBNs {RUNS * total_train / 60:.1f} min "
          f"(one DBN {total_train / 60:.1f} min) + data {total_data / 60:.1f} min")


if __name__ == "__main__":
    main()
