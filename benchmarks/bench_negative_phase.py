"""Benchmark: seconds per epoch of the EMF and PT-PCD negative phases against CD-1 (issue #18).

Run:  python benchmarks/bench_negative_phase.py [--repeats 3] [--epochs 5] [--hidden 16 100]

Same process, same data: the binarised 8x8 digits (``binarized_digits(seed=0)``, 1,348
training rows of 64 visible units), batch 20 (the chapter's comparison), float32,
learning rate 0.05. For each hidden-layer size and repeat, every trainer runs ``--epochs``
epochs from the same initial RBM and its fastest epoch (``fit``'s ``history["time"]``,
updates only, no monitors; on a shared machine the fastest epoch is the one least slowed
by other processes) is divided by CD-1's from the same repeat; the table gives the median
over repeats of both. Trainers:

- ``CD-1`` and ``PCD-1``: ``negative="gibbs"``;
- ``EMF-2``, ``EMF-3``: ``negative="tap2"/"tap3"``, 3 damped TAP sweeps per update
  (Gabrie, Tramel & Krzakala 2015);
- ``PT-PCD``: ``negative="tempering"``, 10 inverse temperatures down to 0.5, one tempering
  sweep per update (10 x batch chains).

Timings on a shared machine are noisy: compare ratios from the same repeat.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from rgdl.rbm import RBM, fit
from rgdl.rbm.datasets import binarized_digits

TRAINERS = {
    "CD-1": {"k": 1},
    "PCD-1": {"k": 1, "persistent": True},
    "EMF-2": {"negative": "tap2", "tap_iterations": 3},
    "EMF-3": {"negative": "tap3", "tap_iterations": 3},
    "PT-PCD (10 temperatures)": {"negative": "tempering", "n_temperatures": 10, "k": 1},
}


def epoch_seconds(x, n_hidden: int, epochs: int, fields: dict, seed: int = 0) -> float:
    """Seconds of the fastest of ``epochs`` epochs of one trainer (a warm-up epoch not counted)."""
    time.sleep(0.1)
    rbm = RBM(x.shape[1], n_hidden, seed=seed)
    hist = fit(rbm, x, epochs=epochs + 1, batch_size=20, lr=0.05, monitors=(), progress=False,
               seed=seed, **fields)
    return min(hist["time"][1:])


def run(hidden, repeats: int, epochs: int) -> dict:
    """``{(n_hidden, trainer): ([seconds per repeat], [ratio to CD-1 per repeat])}``."""
    train, _ = binarized_digits(seed=0)
    x = torch.as_tensor(train, dtype=torch.float32)
    out = {(nh, name): ([], []) for nh in hidden for name in TRAINERS}
    for r in range(repeats):
        for nh in hidden:
            times = {name: epoch_seconds(x, nh, epochs, fields, seed=r)
                     for name, fields in TRAINERS.items()}
            for name, t in times.items():
                out[nh, name][0].append(t)
                out[nh, name][1].append(t / times["CD-1"])
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden", type=int, nargs="+", default=[16, 100])
    args = parser.parse_args(argv)
    load = os.getloadavg()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    t0 = time.perf_counter()
    results = run(args.hidden, args.repeats, args.epochs)
    print(f"\n| hidden | trainer | fastest epoch (median of {args.repeats} runs) | ratio to "
          "CD-1 (median) | ratio range |")
    print("|---|---|---|---|---|")
    for (nh, name), (secs, ratios) in results.items():
        print(f"| {nh} | {name} | {statistics.median(secs) * 1e3:.1f} ms | "
              f"{statistics.median(ratios):.1f}x | {min(ratios):.1f}-{max(ratios):.1f} |")
    load = os.getloadavg()
    print(f"\n{time.perf_counter() - t0:.0f} s in all; load average at the end "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")


if __name__ == "__main__":
    main()
