"""Chapter 5's ensemble trained as replica sets against networks trained side by side.

Usage::

    python benchmarks/bench_ensemble.py [--L 40] [--seeds 3] [--epochs 20] [--rows 5000]

Times ``rgdl.dbn.ensemble`` for the chapter's seven jobs (main, no L1, L2, K = 0.2, K = 0.6,
anisotropic, K_c) x ``seeds``, both ways, each with an empty temporary cache, in this
process: ``replicas=True`` (every layer of all networks as one replica set,
``rgdl.dbn.train_replicas``) and ``replicas=False`` (each network by ``rgdl.dbn.train``,
one per core side by side). Data are generated once beforehand (cached) so only training
is timed. Prints both wall times and their ratio; quote the ratio, with the device.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import torch

from rgdl import dbn, ising

JOBS = {"main": {}, "no_l1": dict(l1=0.0), "l2": dict(l1=0.0, weight_decay=2e-4),
        "k02": dict(K=0.2), "k06": dict(K=0.6), "aniso": dict(K=(0.6, 0.2)),
        "kc": dict(K=ising.critical_coupling())}


def _time(L, seeds, rows, epochs, replicas, data_cache) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["RGDL_CACHE"] = tmp
        os.symlink(os.path.join(data_cache, "ising"), os.path.join(tmp, "ising"))
        t0 = time.perf_counter()
        dbn.ensemble(L, 0.408, rows, 500, jobs=JOBS, seeds=seeds, power=2, progress=False,
                     sizes=(L * L // 4, L * L // 16, L * L // 64), replicas=replicas,
                     device="cpu", **dict(dbn.PAPER_SETTINGS, epochs=epochs))
        return time.perf_counter() - t0


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--L", type=int, default=40)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--rows", type=int, default=5000)
    args = p.parse_args(argv)
    seeds = [1410 + i for i in range(args.seeds)]
    with tempfile.TemporaryDirectory() as data_cache:
        os.environ["RGDL_CACHE"] = data_cache
        for i in range(args.seeds):                    # the data once, outside the timing
            for job in JOBS.values():
                ising.dataset(args.L, job.get("K", 0.408), args.rows + 500, seed=i,
                              progress=False)
        side = _time(args.L, seeds, args.rows, args.epochs, False, data_cache)
        batched = _time(args.L, seeds, args.rows, args.epochs, True, data_cache)
    n = len(JOBS) * args.seeds
    print(f"{n} networks {args.L}x{args.L} -> {args.L**2 // 4} -> {args.L**2 // 16} -> "
          f"{args.L**2 // 64}, {args.rows} rows, {args.epochs} epochs per layer, on "
          f"{platform.machine()} CPU, {os.cpu_count()} cores, torch {torch.__version__}")
    print(f"  side by side (train)            {side:7.1f} s")
    print(f"  replica sets (train_replicas)   {batched:7.1f} s")
    print(f"  replicas / side by side         {batched / side:7.2f}")


if __name__ == "__main__":
    main()
