"""Launch-free CD epochs on CUDA: the minibatch loop recorded once as a CUDA graph.

One CD-1 update is about fifteen small kernels. On a GPU, launching them and
running the Python around them costs about 0.3 ms per update, far more than the
arithmetic of a 1600 x 400 layer (issue #12 measured 55 ms per epoch of 200
updates on an H200, for under 1 ms of arithmetic). A CUDA graph records the
kernels of all full minibatches of an epoch once and replays them as one launch
(NVIDIA, *CUDA C++ Programming Guide*, "CUDA Graphs"; PyTorch, ``torch.cuda.graph``).
The loop reads its minibatch indices from a static permutation tensor that is
refilled before each replay. Its random numbers come from the run's own CUDA
generators, registered with the graph: each replay advances them exactly as the
eager loop would (PyTorch's note "CUDA Graph-safe RNG states" in
``CUDAGeneratorImpl.h``). No host synchronisation happens inside an epoch.

A graph must give the numbers that the eager loop gives. :class:`LoopGraph`
therefore checks its first ``checks`` replays against the eager loop, run from the
same state, bit for bit: parameters, velocities, chains, buffers and generator
states. On a difference, or when capture fails, it warns once and runs eagerly
from then on. During a check the eager result is the one kept, so a failed check
costs time, never numbers.

``$RGDL_CUDA_GRAPHS=0`` turns graphs off (:func:`graphs_wanted`).
"""

from __future__ import annotations

import os
import warnings
from typing import Callable, Sequence

import torch

__all__ = ["GRAPHS_VAR", "CHECKS", "graphs_wanted", "cuda_warmup", "cuda_capture", "LoopGraph"]

#: Environment variable: ``0`` runs the CD loop eagerly on CUDA too.
GRAPHS_VAR = "RGDL_CUDA_GRAPHS"
#: Replays of each graph checked bit for bit against the eager loop.
CHECKS = 2


def graphs_wanted(device) -> bool:
    """True when a CD loop on ``device`` should be replayed as a CUDA graph.

    That is on CUDA, unless ``$RGDL_CUDA_GRAPHS`` is ``0`` (or ``off``, ``false``, ``no``).
    """
    if not isinstance(device, torch.device):
        raise TypeError(f"device must be a torch.device; got {type(device).__name__}")
    off = os.environ.get(GRAPHS_VAR, "").strip().lower() in ("0", "off", "false", "no")
    return device.type == "cuda" and not off


def cuda_warmup(body: Callable[[], None]):
    """Run ``body()`` once, eagerly, on a new side stream; returns that stream.

    The eager run before a capture creates the cuBLAS handle and workspace of the
    stream the capture will use (PyTorch, "CUDA Graphs": warm up on a side stream).
    """
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        body()
    torch.cuda.current_stream().wait_stream(side)
    return side


def cuda_capture(body: Callable[[], None], generators: Sequence[torch.Generator], stream):
    """Record ``body()`` on ``stream`` as a CUDA graph, ``generators`` registered; nothing runs.

    Capture only records kernels: the tensors ``body`` writes and the generators
    are unchanged until :meth:`torch.cuda.CUDAGraph.replay`.
    """
    graph = torch.cuda.CUDAGraph()
    for gen in generators:
        graph.register_generator_state(gen)
    # thread_local: networks trained side by side in other threads may keep using CUDA
    with torch.cuda.graph(graph, stream=stream, capture_error_mode="thread_local"):
        body()
    return graph


def _same(a, b) -> bool:
    """Bit-for-bit equality of tensors, strings and (nested) lists or dicts of them."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.shape == b.shape and a.dtype == b.dtype and torch.equal(a.cpu(), b.cpu())
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _sequence_of(name: str, values, kind) -> list:
    if isinstance(values, (str, bytes, torch.Tensor)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of {kind.__name__}; got "
                        f"{type(values).__name__}")
    values = list(values)
    if not all(isinstance(v, kind) for v in values):
        raise TypeError(f"{name} must be a sequence of {kind.__name__}")
    return values


class LoopGraph:
    """``body()`` replayed from a CUDA graph, checked against the eager ``body()`` first.

    Parameters
    ----------
    body : callable
        The loop to record: it reads and writes only the static tensors in
        ``tensors`` (and temporaries) and draws only from ``generators``.
    tensors : sequence of tensors
        Every tensor ``body`` writes whose value outlives it (parameters,
        velocities, chains, buffers). The checks snapshot and compare them.
    rng_state, set_rng_state : callables
        Get and restore the state of every random stream ``body`` draws from.
    generators : sequence of torch.Generator
        The CUDA generators to register with the graph.
    warmup, capture : callables, optional
        ``warmup(body) -> stream`` runs the first call eagerly and returns the
        stream to capture on; ``capture(body, generators, stream) -> graph`` (with
        a ``replay()`` method) records the second. Defaults :func:`cuda_warmup`
        and :func:`cuda_capture`; tests pass stand-ins to run the checks on the CPU.
    checks : int
        How many replays are checked against the eager loop (default :data:`CHECKS`).
    name : str
        Named in the warning when the graph is given up.

    Calling the object runs the loop once: eagerly the first time (the warm-up),
    after a failed check, or when capture failed; by replay otherwise, the first
    ``checks`` replays each followed by the check.
    """

    def __init__(self, body, tensors, rng_state, set_rng_state, *, generators=(),
                 warmup=None, capture=None, checks: int = CHECKS, name: str = "CD loop"):
        for arg, value in (("body", body), ("rng_state", rng_state),
                           ("set_rng_state", set_rng_state), ("warmup", warmup),
                           ("capture", capture)):
            if not callable(value) and (value is not None or arg not in ("warmup", "capture")):
                raise TypeError(f"{arg} must be callable; got {type(value).__name__}")
        self.tensors = _sequence_of("tensors", tensors, torch.Tensor)
        self.generators = _sequence_of("generators", generators, torch.Generator)
        if isinstance(checks, bool) or not isinstance(checks, int) or not 0 <= checks <= 100:
            raise ValueError(f"checks must be an int in [0, 100]; got {checks!r}")
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str; got {name!r}")
        self.body, self.name = body, name
        self.rng_state, self.set_rng_state = rng_state, set_rng_state
        self.warmup = cuda_warmup if warmup is None else warmup
        self.capture = cuda_capture if capture is None else capture
        self.checks_left = checks
        self.stream = self.graph = None
        self.warm = False
        self.failure: str | None = None
        self.replays = 0

    def __call__(self) -> None:
        if self.failure is not None:
            self.body()
        elif not self.warm:
            self.stream, self.warm = self.warmup(self.body), True
        elif self.graph is None and not self._captured():
            self.body()
        elif self.checks_left > 0:
            self._checked_replay()
        else:
            self.graph.replay()
            self.replays += 1

    def _captured(self) -> bool:
        try:
            self.graph = self.capture(self.body, self.generators, self.stream)
        except RuntimeError as err:
            self._give_up(f"capture failed: {err}")
            return False
        return True

    def _checked_replay(self) -> None:
        """Replay, keep the outcome, rewind, run eagerly, compare; the eager outcome stays."""
        before = [t.clone() for t in self.tensors]
        rng_before = self.rng_state()
        self.graph.replay()
        replayed = [t.clone() for t in self.tensors]
        rng_replayed = self.rng_state()
        for t, saved in zip(self.tensors, before):
            t.copy_(saved)
        self.set_rng_state(rng_before)
        self.body()
        if _same(replayed, self.tensors) and _same(rng_replayed, self.rng_state()):
            self.checks_left -= 1
            self.replays += 1
        else:
            self._give_up("a replay differs from the eager loop run from the same state")

    def _give_up(self, why: str) -> None:
        self.failure, self.graph = why, None
        warnings.warn(f"{self.name}: CUDA graph given up, running eagerly ({why})",
                      RuntimeWarning, stacklevel=3)
