"""Benchmark: one epoch of CD-1 / PCD-1 in rgdl against scikit-learn's BernoulliRBM.

Run:  python benchmarks/bench_rbm.py [--repeats 3] [--quick]

Same process, same data (20,000 x 1,600 binary, 400 hidden units, batch 100):

1. seconds per epoch for rgdl CD-1, rgdl PCD-1 and ``sklearn.neural_network.BernoulliRBM``,
   each from a run of ``TIMED_EPOCHS`` epochs (rgdl: median epoch; scikit-learn: wall time
   over epochs, setup included), repeated and interleaved so that machine load hits all
   alike, with a short pause between runs so that one library's spinning threads do not
   slow the next;
2. the fp32 (and bf16) matmul "floor": the same five products per minibatch that CD-1 needs
   (2 x [100x1600]@[1600x400], [100x400]@[400x1600], and the gradient
   [1600x200]@[200x400] which carries two of them), timed alone with torch in short
   runs, the fastest run giving the peak; the fraction of peak is floor / epoch time;
3. held-out log-likelihood (exact ln Z, 20 hidden units) on scikit-learn's binarised
   8x8 digits after the same number of epochs for both trainers.

Timings on a shared machine are noisy: compare ratios from the same repeat.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import numpy as np
import torch

from rgdl.rbm.datasets import binarized_digits
from rgdl.rbm import RBM, fit, log_likelihood, log_partition

N, NV, NH, B = 20_000, 1600, 400, 100


def make_data(seed=0):
    gen = np.random.default_rng(seed)
    return (gen.random((N, NV)) < 0.3).astype(np.float32)


#: Epochs per timed run: the per-epoch figure is their median (rgdl) or mean (scikit-learn,
#: which reports no per-epoch times), so a run's first-epoch warm-up weighs less.
TIMED_EPOCHS = 3


def _settle():
    """Let the other library's idle BLAS/OpenMP threads stop spinning before the next run."""
    time.sleep(0.3)


def time_rgdl(x, persistent, seed, matmul_dtype=None, sample_visible=True):
    _settle()
    rbm = RBM(NV, NH, seed=seed)
    t0 = time.perf_counter()
    hist = fit(rbm, x, epochs=TIMED_EPOCHS, batch_size=B, lr=0.1, k=1, persistent=persistent,
               monitors=(), progress=False, seed=seed, matmul_dtype=matmul_dtype,
               sample_visible=sample_visible)
    return statistics.median(hist["time"]), time.perf_counter() - t0


def time_sklearn(x, seed):
    from sklearn.neural_network import BernoulliRBM

    _settle()
    model = BernoulliRBM(n_components=NH, learning_rate=0.1, batch_size=B, n_iter=TIMED_EPOCHS,
                         random_state=seed)
    t0 = time.perf_counter()
    model.fit(x)
    return (time.perf_counter() - t0) / TIMED_EPOCHS


def matmul_floor(chunks=20, chunk=10, dtype=torch.float32):
    """Seconds for one epoch's matmuls alone: the five CD-1 products of N/B minibatches.

    Timed in ``chunks`` runs of ``chunk`` minibatches and scaled from the fastest run,
    so that a burst of load from other processes does not lower the measured peak.
    ``dtype=torch.bfloat16`` gives the floor of the mixed-precision trainer.
    """
    _settle()
    n_batches = N // B
    a = torch.rand(B, NV).to(dtype)
    w = torch.randn(NV, NH).to(dtype)
    h = torch.rand(B, NH).to(dtype)
    v2 = torch.rand(2 * B, NV).to(dtype)
    h2 = torch.rand(2 * B, NH).to(dtype)
    out_h = torch.empty(B, NH, dtype=dtype)
    out_v = torch.empty(B, NV, dtype=dtype)
    out_w = torch.empty(NV, NH, dtype=dtype)
    for _ in range(3):  # warm up
        torch.mm(a, w, out=out_h)
    best = math.inf
    for _ in range(chunks):
        t0 = time.perf_counter()
        for _ in range(chunk):
            torch.mm(a, w, out=out_h)
            torch.mm(h, w.T, out=out_v)
            torch.mm(a, w, out=out_h)
            torch.mm(v2.T, h2, out=out_w)  # the gradient: two products in one
        best = min(best, time.perf_counter() - t0)
    flops = n_batches * 5 * 2 * B * NV * NH
    return best * n_batches / chunk, flops


def heldout_loglik(epochs, n_hidden=20, seed=0):
    """Exact held-out log-likelihood on binarised digits: sklearn vs rgdl, same epochs."""
    from sklearn.neural_network import BernoulliRBM

    train, held = binarized_digits(seed=seed)
    out = {}
    sk = BernoulliRBM(n_components=n_hidden, learning_rate=0.1, batch_size=100, n_iter=epochs,
                      random_state=seed).fit(train)
    rbm = RBM(64, n_hidden, dtype=torch.float64)
    rbm.W = torch.as_tensor(sk.components_.T.copy(), dtype=torch.float64)
    rbm.b = torch.as_tensor(sk.intercept_visible_, dtype=torch.float64)
    rbm.c = torch.as_tensor(sk.intercept_hidden_, dtype=torch.float64)
    out["sklearn"] = log_likelihood(rbm, held, log_partition(rbm))
    for name, kw in (("rgdl CD-1", {}), ("rgdl PCD-1", {"persistent": True}),
                     ("rgdl CD-1, visible probabilities", {"sample_visible": False}),
                     ("rgdl CD-1, bf16 matmuls", {"matmul_dtype": torch.bfloat16}),
                     ("rgdl PCD-1, bf16 matmuls", {"persistent": True, "matmul_dtype": torch.bfloat16}),
                     ("rgdl CD-1 (no momentum)", {"momentum": 0.0, "final_momentum": 0.0})):
        rbm = RBM(64, n_hidden, seed=seed)
        fit(rbm, train, epochs=epochs, batch_size=100, lr=0.1, k=1, seed=seed, monitors=(),
            progress=False, **kw)
        out[name] = log_likelihood(rbm, held, log_partition(rbm))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20, help="epochs for the likelihood comparison")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        # the same thread count for torch and for the BLAS under numpy/scikit-learn
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(args.threads)
        np.ones((2, 2)) @ np.ones((2, 2))  # load the BLAS so that the limit reaches it
        threadpool_limits(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"data {N} x {NV}, {NH} hidden, batch {B}")
    x = make_data()
    rows = []
    for r in range(args.repeats):
        floor, flops = matmul_floor()
        floor16, _ = matmul_floor(dtype=torch.bfloat16)
        cd, cd_wall = time_rgdl(x, False, seed=r)
        pcd, _ = time_rgdl(x, True, seed=r)
        sk = time_sklearn(x, seed=r)
        cdmf, _ = time_rgdl(x, False, seed=r, sample_visible=False)
        cd16, _ = time_rgdl(x, False, seed=r, matmul_dtype=torch.bfloat16)
        pcd16, _ = time_rgdl(x, True, seed=r, matmul_dtype=torch.bfloat16)
        rows.append(dict(floor=floor, floor16=floor16, cd=cd, cd_wall=cd_wall, pcd=pcd, sk=sk, cdmf=cdmf, cd16=cd16,
                         pcd16=pcd16, peak=flops / floor / 1e9))
        print(f"repeat {r}: matmul floor {floor:.3f} s ({flops / floor / 1e9:.0f} GFLOP/s) | "
              f"rgdl CD-1 {cd:.3f} s (fit() wall for {TIMED_EPOCHS} epochs {cd_wall:.3f} s) | rgdl PCD-1 {pcd:.3f} s | "
              f"sklearn {sk:.3f} s | speed-up CD {sk / cd:.2f}x PCD {sk / pcd:.2f}x | "
              f"fraction of peak CD {floor / cd:.0%} PCD {floor / pcd:.0%} | CD-1 with visible "
              f"probabilities {cdmf:.3f} s ({sk / cdmf:.2f}x, {floor / cdmf:.0%} of peak) | "
              f"bf16 matmuls: CD-1 {cd16:.3f} s ({sk / cd16:.2f}x), PCD-1 {pcd16:.3f} s ({sk / pcd16:.2f}x); "
              f"bf16 floor {floor16:.3f} s ({flops / floor16 / 1e9:.0f} GFLOP/s): fraction of bf16 peak "
              f"CD-1 {floor16 / cd16:.0%} PCD-1 {floor16 / pcd16:.0%}")
    for label, agg in (("median", statistics.median), ("best of repeats", min)):
        m = {key: agg(row[key] for row in rows) for key in rows[0]}
        print(f"{label}: floor {m['floor']:.3f} s ({m['peak'] if label == 'median' else max(r['peak'] for r in rows):.0f} GFLOP/s), "
              f"CD-1 {m['cd']:.3f} s, PCD-1 {m['pcd']:.3f} s, sklearn {m['sk']:.3f} s; "
              f"speed-up CD {m['sk'] / m['cd']:.2f}x, PCD {m['sk'] / m['pcd']:.2f}x; "
              f"fraction of peak CD {m['floor'] / m['cd']:.0%}, PCD {m['floor'] / m['pcd']:.0%}; "
              f"CD-1 with visible probabilities {m['cdmf']:.3f} s ({m['sk'] / m['cdmf']:.2f}x, "
              f"{m['floor'] / m['cdmf']:.0%} of peak); "
              f"bf16 matmuls CD-1 {m['cd16']:.3f} s ({m['sk'] / m['cd16']:.2f}x), "
              f"PCD-1 {m['pcd16']:.3f} s ({m['sk'] / m['pcd16']:.2f}x); bf16 floor {m['floor16']:.3f} s, "
              f"fraction of bf16 peak CD-1 {m['floor16'] / m['cd16']:.0%}, "
              f"PCD-1 {m['floor16'] / m['pcd16']:.0%}; effective rate of bf16 CD-1 "
              f"{flops / m['cd16'] / 1e9:.0f} GFLOP/s ({m['floor'] / m['cd16']:.0%} of the fp32 peak)")
    ratios = [row["sk"] / row["cd"] for row in rows]
    print(f"per-repeat speed-up CD-1: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"held-out log-likelihood (nats/image, exact ln Z, 20 hidden, {args.epochs} epochs):")
    for name, ll in heldout_loglik(args.epochs).items():
        print(f"  {name:<26s} {ll:9.4f}")


if __name__ == "__main__":
    main()
