"""Benchmark of the 2D Ising samplers in rgdl.ising (issue 3).

Measures, in one process so that the ratios are fair on a shared machine:

1. checkerboard Metropolis throughput (spin updates per second) on a batch of
   40 x 40 lattices, against a plain per-site numpy implementation (a Python
   loop over sites) and against the memory-bandwidth limit (a spin update must
   read and write at least its own byte: 2 bytes per update);
2. integrated autocorrelation times of |m| and E at L = 40 for every method at
   K = 0.408 (Mehta & Schwab) and at K_c, and the effective independent
   samples per second, rate / (2 tau_int);
3. the end-to-end time of ``sample(40, K, 20000)`` (method "auto") and the
   effective sample size of its output.

Usage: ``python benchmarks/bench_ising.py [--quick] [--out FILE.md]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from rgdl import ising
from rgdl.ising.mc import Chains

KC = ising.critical_coupling()


def per_site_numpy_sweeps(L, K, n_sweeps, seed=0):
    """Reference: sequential single-spin Metropolis, one Python iteration per site."""
    gen = np.random.default_rng(seed)
    s = (gen.integers(0, 2, (L, L)) * 2 - 1).astype(np.int8)
    accept = np.exp(-2.0 * K * np.arange(-4, 5))
    for _ in range(n_sweeps):
        u = gen.random((L, L))
        for i in range(L):
            for j in range(L):
                h = s[(i - 1) % L, j] + s[(i + 1) % L, j] + s[i, (j - 1) % L] + s[i, (j + 1) % L]
                x = s[i, j] * h
                if x <= 0 or u[i, j] < accept[x + 4]:
                    s[i, j] = -s[i, j]
    return s


def updates_per_second(fn, spins_per_call, min_time=2.0):
    fn()  # warm up
    calls, start = 0, time.perf_counter()
    while True:
        fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return spins_per_call * calls / elapsed


def memory_bandwidth(n_bytes=1 << 28, repeats=5):
    """Copy bandwidth in bytes/s (read + write counted), best of ``repeats``."""
    src = np.ones(n_bytes, dtype=np.uint8)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t)
    return 2 * n_bytes / best


def tau_and_rate(L, K, method, chains, n_steps, seed=0):
    ch = Chains(L, K, chains, method, seed=seed, start="cold" if K > KC else "hot")
    ch.run(max(n_steps // 4, 50))
    ch.flipped, ch.steps = 0.0, 0
    t = time.perf_counter()
    m, e = ch.run(n_steps, record=True)
    wall = time.perf_counter() - t
    unit = ch.sweeps_per_step
    tau_m = ising.integrated_autocorr_time(np.abs(m))
    tau_e = ising.integrated_autocorr_time(e)
    steps_per_s = chains * n_steps / wall           # lattice-steps per second
    eff = steps_per_s / (2.0 * max(tau_m, tau_e))   # independent samples per second
    return {"method": method, "K": K, "tau_m_sweeps": tau_m * unit, "tau_e_sweeps": tau_e * unit,
            "sweeps_per_s": steps_per_s * unit, "eff_per_s": eff, "energy": float(e.mean())}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps (a minute or so)")
    parser.add_argument("--out", help="also write the markdown report here")
    args = parser.parse_args(argv)
    q = args.quick
    lines = []

    def emit(text=""):
        print(text, flush=True)
        lines.append(text)

    L, K = 40, 0.408
    emit("# Ising sampler benchmark (rgdl.ising)")
    emit()
    emit(f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, load average at start "
         f"{os.getloadavg()[0]:.2f}; numpy {np.__version__}")
    emit()

    # 1. throughput -----------------------------------------------------------------
    chains = 256
    ch = Chains(L, K, chains, "metropolis", seed=0)
    batched = updates_per_second(lambda: ch.run(5), 5 * chains * L * L)
    ch1 = Chains(L, K, 1, "metropolis", seed=0)
    single = updates_per_second(lambda: ch1.run(50), 50 * L * L)
    t = time.perf_counter()
    sweeps_ref = 1 if q else 3
    per_site_numpy_sweeps(L, K, sweeps_ref)
    naive = sweeps_ref * L * L / (time.perf_counter() - t)
    bw = memory_bandwidth()
    limit = bw / 2.0
    emit("## 1. Checkerboard Metropolis throughput, L = 40, K = 0.408")
    emit()
    emit("| implementation | spin updates / s | ratio to per-site numpy |")
    emit("|---|---:|---:|")
    emit(f"| per-site numpy loop (1 lattice) | {naive:.3g} | 1 |")
    emit(f"| rgdl checkerboard, 1 chain | {single:.3g} | {single / naive:.0f} |")
    emit(f"| rgdl checkerboard, {chains} chains | {batched:.3g} | {batched / naive:.0f} |")
    emit()
    emit(f"Copy bandwidth {bw / 1e9:.2f} GB/s (read + write); at the 2 bytes per update a spin "
         f"update needs at least, the bandwidth limit is {limit:.3g} updates/s, and the batched "
         f"checkerboard reaches {100 * batched / limit:.1f}% of it.")
    emit()

    # 2. autocorrelation and effective samples --------------------------------------
    emit("## 2. tau_int and effective independent samples per second, L = 40")
    emit()
    emit("| K | method | tau_int(\\|m\\|) sweeps | tau_int(E) sweeps | sweeps/s (lattice) | "
         "independent samples/s | <E>/N sampled | <E>/N exact |")
    emit("|---|---|---:|---:|---:|---:|---:|---:|")
    plan = {"metropolis": (64, 1000 if q else 3000), "heatbath": (64, 1000 if q else 3000),
            "swendsen_wang": (32, 300 if q else 1000), "wolff": (32, 600 if q else 2000)}
    results = []
    for k in (K, KC):
        exact = ising.exact_energy(L, L, k)
        for method, (nc, steps) in plan.items():
            r = tau_and_rate(L, k, method, nc, steps)
            results.append(r)
            emit(f"| {k:.4f} | {method} | {r['tau_m_sweeps']:.2f} | {r['tau_e_sweeps']:.2f} | "
                 f"{r['sweeps_per_s']:.3g} | {r['eff_per_s']:.3g} | {r['energy']:.4f} | {exact:.4f} |")
    emit()

    # 3. end to end --------------------------------------------------------------------
    emit("## 3. End to end: `sample(40, K, n)` with method='auto'")
    emit()
    emit("| K | method | n | wall s | thin | tau_int (steps) | n_eff | n_eff / s | "
         "projected s for 20,000 independent |")
    emit("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    n = 5000 if q else 20000
    for k in (K, KC):
        t = time.perf_counter()
        x, info = ising.sample(L, k, n, seed=1, progress=False, return_info=True)
        wall = time.perf_counter() - t
        ess = ising.effective_sample_size(x, info["chains"])
        rate = ess["n_eff"] / wall
        emit(f"| {k:.4f} | {info['method']} | {n} | {wall:.1f} | {info['thin']} | "
             f"{info['tau_int_steps']:.2f} | {ess['n_eff']:.0f} | {rate:.0f} | "
             f"{20000 / rate:.0f} |")
    emit()
    emit(f"Load average at the end {os.getloadavg()[0]:.2f} (the machine is shared: absolute "
         "timings are under contention, ratios measured in the same run are the robust numbers).")
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("\n".join(lines) + "\n")
    return results


if __name__ == "__main__":
    main()
