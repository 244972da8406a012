"""Fuzz cases for rgdl.core."""

import numpy as np

from rgdl.core import io, runtime, states, stats, units
from tests.fuzz.harness import Case

X = np.random.default_rng(0).random(64)

CASES = [
    Case(stats.integrated_autocorr_time, {"x": X, "c": 5.0}),
    Case(stats.autocorrelation, {"x": X}),
    Case(stats.windowed_tau, {"rho": stats.autocorrelation(X), "c": 5.0}),
    Case(stats.binning_error, {"x": X, "min_bins": 8}),
    Case(states.spin_states, {"n": 4}),
    Case(states.state_index, {"x": states.spin_states(3), "values": (-1, 1)}),
    Case(units.sum_out, {"x": X, "spins": True}),
    Case(runtime.rng, {"seed": 3}),
    Case(runtime.torch_generator, {"seed": 3, "device": "cpu"}),
    Case(runtime.seed_all, {"seed": 3}),
    Case(runtime.device, {"prefer_cuda": False}),
    Case(io.sha256_file, {"path": __file__, "chunk": 4096}, paths=("path",)),
]

# ------------------------------------------------------------------ files (in a scratch folder)
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

_TMP = Path(tempfile.mkdtemp(prefix="rgdl-fuzz-core-"))
_SAVED = io.save_checked(_TMP / "saved.pt", {"W": torch.ones(2, 2)})


def _threads(n):
    with runtime.torch_threads(n):
        return torch.get_num_threads()


def _threads_for(work):
    with runtime.threads_for(work):
        return torch.get_num_threads()


def _side_by_side(jobs, workers):
    pool, futures = runtime.side_by_side(lambda x: x + 1, jobs, workers)
    try:
        return {k: f.result() for k, f in futures.items()}
    finally:
        pool.shutdown()


for _fn, _name in ((_threads, "torch_threads"), (_threads_for, "threads_for"),
                   (_side_by_side, "side_by_side")):
    _fn.__module__, _fn.__qualname__ = runtime.__name__, _name

CASES += [
    # writing functions: the path is fixed to the scratch folder (a fuzzed "bogus" would be
    # written into the working folder); their path checks are in tests/test_io.py
    Case(io.atomic_write_text, {"path": _TMP / "t.txt", "text": "abc"}, skip=("path",)),
    Case(io.atomic_write_bytes, {"path": _TMP / "b.bin", "data": b"abc"}, skip=("path",)),
    Case(io.save_checked, {"path": _TMP / "s.pt", "obj": {"x": torch.zeros(2)}}, skip=("path",)),
    Case(io.load_checked, {"path": _SAVED, "map_location": "cpu"}, paths=("path",)),
    Case(io.verify, {"path": _SAVED}, paths=("path",)),
    Case(io.sidecar, {"path": _SAVED}, paths=("path",)),
    Case(io.quarantine, {"path": _TMP / "absent.pt"}, skip=("path",)),
    Case(io.cache_dir, {}),
    Case(_threads, {"n": 1}),
    Case(_threads_for, {"work": 10}),
    Case(_side_by_side, {"jobs": {"a": {"x": 1}, "b": {"x": 2}}, "workers": 1}),
]
