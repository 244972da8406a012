"""Benchmark: rgdl.mcrg.eigenvalues on 10,000 configurations of 64 x 64 (issue 17).

Target: at most 30 s on the 2-core machine. The configurations are critical
samples from rgdl.ising.dataset (cached; the first run samples them, which is
not timed). Each repeat times the whole call: three majority-rule block-spin
steps, 3 even and 2 odd operators at four levels, the MCRG matrices and 20
jackknife samples per level and sector. A second line times the same call with
n_even=6, n_odd=4.

    .venv/bin/python benchmarks/bench_mcrg.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from rgdl import ising, mcrg


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--L", type=int, default=64)
    args = parser.parse_args()
    x = ising.dataset(args.L, ising.critical_coupling(), args.n, seed=0, progress=False)
    print(f"{args.n} configurations of {args.L}x{args.L}; load average {os.getloadavg()[0]:.1f}")
    for n_even, n_odd in ((3, 2), (6, 4)):
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            res = mcrg.eigenvalues(x, "majority", 2, 3, n_even, n_odd, seed=0)
            times.append(time.perf_counter() - t0)
        print(f"n_even={n_even}, n_odd={n_odd}: median {np.median(times):.2f} s, best "
              f"{min(times):.2f} s over {args.repeats}; y_t = {np.round(res.y_t, 3).tolist()}, "
              f"y_h = {np.round(res.y_h, 3).tolist()}")


if __name__ == "__main__":
    main()
