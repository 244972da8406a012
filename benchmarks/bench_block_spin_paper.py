"""Time chapter 5 at paper scale with ONE seed: every network and analysis the chapter runs.

Usage::

    RGDL_CACHE=<empty folder> python benchmarks/bench_block_spin_paper.py [--seeds 1] [--out t.json]

The chapter itself needs five seeds at paper scale (``record.MIN_SEEDS``), far beyond a
2-core CPU session; this script makes the same calls with the chapter's paper settings and
``--seeds`` seeds (default 1), and prints the wall time of each part:

- data and the seven L = 40 networks (main, no L1, L2, K = 0.2, K = 0.6, anisotropic
  (0.6, 0.2), K_c): 20,000 + 2,000 samples, 200 epochs per layer, bf16 products on the CPU;
- the correlation-length scan: six couplings on 32 x 32, the same settings;
- the half-size lattice (L = 20) for the likelihood;
- the analyses: locality tables, untrained upper layers, the scan, K_c summaries, the
  likelihood per layer (AIS with 100 chains x 10,000 temperatures), reconstructions.

With an empty cache every network is trained; with a warm one the script times the analyses.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import torch

from rgdl import dbn, ising
from rgdl.core import runtime

L, K, KC = 40, 0.408, ising.critical_coupling()
SCAN_L, SCAN_K = 32, (0.30, 0.35, 0.38, 0.408, 0.42, KC)
N_TRAIN, N_HELD, EPOCHS = 20_000, 2_000, 200
JOBS = {"main": {}, "no_l1": dict(l1=0.0), "l2": dict(l1=0.0, weight_decay=2e-4),
        "k02": dict(K=0.2), "k06": dict(K=0.6), "aniso": dict(K=(0.6, 0.2)), "kc": dict(K=KC)}


def _sizes(side: int) -> tuple:
    return side**2 // 4, side**2 // 16, max(1, side**2 // 64)


def run(seeds: list, device) -> dict:
    """Every part of the paper-scale chapter for ``seeds``; returns seconds per part."""
    settings = dict(dbn.PAPER_SETTINGS, epochs=EPOCHS)
    if device.type == "cpu":
        settings["matmul_dtype"] = torch.bfloat16
    common = dict(seeds=seeds, power=2, progress=True, device=device,
                  workers=1 if device.type == "cuda" else None, **settings)
    times, t0 = {}, time.perf_counter()
    ens = dbn.ensemble(L, K, N_TRAIN, N_HELD, jobs=JOBS, sizes=_sizes(L),
                       windows=[L // 10, L // 5, 2 * L // 5], **common)
    times["networks L=40 (7 per seed)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    sweep = dbn.ensemble(SCAN_L, K, N_TRAIN, N_HELD, sizes=_sizes(SCAN_L),
                         jobs={f"K={k:.4f}": dict(K=k) for k in SCAN_K}, **common)
    times["scan L=32 (6 per seed)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    half = dbn.ensemble(L // 2, K, N_TRAIN, N_HELD, sizes=_sizes(L // 2), **common)
    times["half size L=20 (1 per seed)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    main = ens.runs["main"]
    for r in main:
        dbn.locality_table(r), dbn.untrained_control(r, seed=r.seed)
        dbn.reconstruction_flow(r, seed=1410)
    dbn.control_table(ens), dbn.correlation_scan(sweep)
    [dbn.aspect_ratios(r) for r in ens.runs["aniso"]]
    dbn.critical_summary(ens.runs["kc"]), dbn.critical_summary(sweep.runs[f"K={KC:.4f}"])
    times["locality, scan, K_c analyses"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    dbn.likelihood_summary(main, seed=1410, n_runs=100, n_betas=10_000)
    dbn.likelihood_summary(half.runs["main"], seed=1410, n_runs=100, n_betas=10_000)
    times["likelihood (AIS 100 x 10,000)"] = time.perf_counter() - t0
    return times


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--out", default=None, help="write the times as JSON here")
    args = p.parse_args(argv)
    device = runtime.device(prefer_cuda=args.device != "cpu")
    if args.device == "cuda" and device.type != "cuda":
        raise SystemExit("--device cuda: no CUDA device here")
    t0 = time.perf_counter()
    times = run([1410 + i for i in range(args.seeds)], device)
    times["total"] = time.perf_counter() - t0
    where = torch.cuda.get_device_name(0) if device.type == "cuda" else \
        f"{platform.processor() or platform.machine()} CPU, {os.cpu_count()} cores"
    print(f"chapter 5 at paper scale, {args.seeds} seed(s), on {where}, torch {torch.__version__}")
    for part, seconds in times.items():
        print(f"  {part:<34} {seconds / 60:7.1f} min")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"device": where, "seeds": args.seeds, "seconds": times}, f, indent=1)


if __name__ == "__main__":
    main()
