"""CUDA-graph epochs against eager epochs, and replicas, on one GPU (issue #12's targets).

Usage::

    python benchmarks/bench_cuda_graphs.py [--rows 20000] [--epochs 6] [--device cuda]

In this process, for the 1600 -> 400 layer of chapter 5 (CD-1, batch 100, the DBN's
settings) and for R = 10 replicas of the 100 -> 25 layer, trains the same network twice,
with ``$RGDL_CUDA_GRAPHS=0`` (eager: one launch per kernel) and ``=1`` (each epoch's full
minibatches replayed as one CUDA graph), and prints

- the median epoch time after the first ``--skip`` epochs (warm-up, capture and the
  checked replays run eagerly as well), and the ratio eager / graph;
- whether the two runs' weights are bit-identical (they must be);
- whether any graph was given up (a warning; the run then was eager).

The issue's targets: one epoch of the 1600 -> 400 layer at most 10 ms on an H100/H200;
R = 10 replicas of 100 -> 25 in at most 2x the time of one network. ``--device cpu``
runs the same code without graphs (a smoke test of the script, not a benchmark).
"""

from __future__ import annotations

import argparse
import os
import statistics
import warnings

import numpy as np
import torch

from rgdl.rbm import RBM, fit, graphs
from rgdl.rbm.replicas import fit_replicas

SETTINGS = dict(batch_size=100, lr=0.1, momentum=0.5, final_momentum=0.9, momentum_switch=5,
                l1=2e-4, sample_visible=False, monitors=(), progress=False)


def _data(rows, nv, device):
    x = (np.random.default_rng(0).random((rows, nv)) < 0.5).astype(np.float32)
    return torch.as_tensor(x, device=device)


def _run(graphs_on: bool, train):
    """``train()`` with graphs on or off; (epoch times, weights, warnings given)."""
    os.environ[graphs.GRAPHS_VAR] = "1" if graphs_on else "0"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        times, weights = train()
    return times, weights, [str(w.message) for w in caught if "given up" in str(w.message)]


def _one(nv, nh, x, epochs):
    def train():
        rbm = RBM(nv, nh, seed=0, device=x.device)
        hist = fit(rbm, x, epochs=epochs, seed=1, **SETTINGS)
        return hist["time"], [rbm.W.clone()]
    return train


def _replicas(nv, nh, x, epochs, R):
    def train():
        rbms = [RBM(nv, nh, seed=r, device=x.device) for r in range(R)]
        hists = fit_replicas(rbms, x, seeds=range(R), epochs=epochs, **SETTINGS)
        return [t * R for t in hists[0]["time"]], [r.W.clone() for r in rbms]
    return train


def _report(label, eager, graphed, skip):
    te, tg = (statistics.median(t[skip:]) for t in (eager[0], graphed[0]))
    same = all(torch.equal(a, b) for a, b in zip(eager[1], graphed[1]))
    print(f"{label}: eager {1e3 * te:.2f} ms/epoch, graph {1e3 * tg:.2f} ms/epoch, "
          f"eager / graph = {te / tg:.2f}, bit-identical: {same}, given up: {graphed[2] or 'no'}")
    return tg


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--skip", type=int, default=8, help="epochs left out of the medians")
    p.add_argument("--replicas", type=int, default=10)
    p.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    args = p.parse_args(argv)
    dev = torch.device(args.device)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU"
    print(f"torch {torch.__version__}, device {name}, rows {args.rows}")
    x = _data(args.rows, 1600, dev)
    _report("1600 -> 400", *(_run(g, _one(1600, 400, x, args.epochs)) for g in (False, True)),
            args.skip)
    small = _data(args.rows, 100, dev)
    one = _report("100 -> 25, one network",
                  *(_run(g, _one(100, 25, small, args.epochs)) for g in (False, True)), args.skip)
    rep = _report(f"100 -> 25, {args.replicas} replicas",
                  *(_run(g, _replicas(100, 25, small, args.epochs, args.replicas))
                    for g in (False, True)), args.skip)
    print(f"graphs: {args.replicas} replicas / one network = {rep / one:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
