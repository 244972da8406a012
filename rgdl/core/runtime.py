"""Seeding and device choice shared by every module.

Every random function in :mod:`rgdl` takes a ``seed`` that may be ``None``, an
``int`` or a :class:`numpy.random.Generator`; :func:`rng` turns it into a
Generator, :func:`torch_generator` into a :class:`torch.Generator`.
"""

from __future__ import annotations

import contextlib
import numbers
import os

import numpy as np
import torch

#: Environment variable that picks the device of every chapter: ``auto``, ``cpu`` or ``cuda``
#: (``python -m rgdl reproduce --device`` sets it for the chapters' kernels).
DEVICE_VAR = "RGDL_DEVICE"

#: The values :data:`DEVICE_VAR` and ``--device`` accept.
DEVICES = ("auto", "cpu", "cuda")

def rng(seed=None) -> np.random.Generator:
    """Return a numpy Generator from ``None``, an int, or a Generator (passed through)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        if seed is not None and int(seed) < 0:
            raise ValueError(f"seed must be non-negative; got {seed}")
        return np.random.default_rng(seed)
    raise TypeError(f"seed must be None, an int or a numpy Generator; got {type(seed).__name__}")


def _seed64(value: int) -> int:
    """Torch takes 64-bit seeds; larger ints go through numpy's seed hashing."""
    return value if value < 2**63 else int(np.random.default_rng(value).integers(0, 2**63 - 1))


def torch_generator(seed=None, device="cpu") -> torch.Generator:
    """Return a :class:`torch.Generator` on ``device`` seeded from ``seed``.

    An int seeds it directly; a numpy Generator draws a 63-bit seed from itself
    (so a chain of calls stays reproducible); ``None`` seeds from entropy.
    """
    if isinstance(seed, np.random.Generator):
        value = int(seed.integers(0, 2**63 - 1))
    elif seed is None:
        value = int(np.random.default_rng().integers(0, 2**63 - 1))
    else:
        rng(seed)  # validates type and sign
        value = int(seed)
        value = _seed64(value)
    try:
        gen = torch.Generator(device=device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device {device!r} is not a usable torch device "
                         f"({str(err).splitlines()[0]})") from None
    gen.manual_seed(value)
    return gen


def seed_all(seed: int) -> np.random.Generator:
    """Seed torch's global generator and return a numpy Generator from ``seed``.

    One call at the top of a chapter makes every later draw reproducible.
    """
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int; got {seed!r}")
    torch.manual_seed(_seed64(int(seed)))
    return np.random.default_rng(int(seed))


def device_choice(name: str, value) -> str:
    """``value`` if it is one of :data:`DEVICES` and usable here, else ``ValueError`` naming ``name``."""
    if value not in DEVICES:
        raise ValueError(f"{name} must be one of {', '.join(DEVICES)}; got {value!r}")
    if value == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{name}=cuda, but torch sees no CUDA device here")
    return value


def device(prefer_cuda: bool = False) -> torch.device:
    """The device to compute on.

    ``$RGDL_DEVICE`` decides when set: ``cpu``, ``cuda`` (an error if absent) or
    ``auto`` (CUDA when present). Unset: ``cuda`` when CUDA is present and
    ``prefer_cuda`` is true, else ``cpu``.
    """
    choice = os.environ.get(DEVICE_VAR, "").strip()
    if choice:
        choice = device_choice(f"${DEVICE_VAR}", choice)
        prefer_cuda = choice != "cpu"
    if prefer_cuda and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")


@contextlib.contextmanager
def torch_threads(n: int):
    """Run the block with ``n`` intra-op torch threads in the calling thread, then restore.

    With OpenMP, torch's thread count belongs to each OS thread: a worker of a
    :class:`concurrent.futures.ThreadPoolExecutor` starts with the default (one
    thread per core) whatever the main thread set, although
    ``torch.get_num_threads()`` there reports the main thread's value. Two such
    workers on two cores then run four busy threads, which made chapter 5's
    side-by-side networks markedly slower. Wrap the work of each worker in
    ``with torch_threads(1):``.
    """
    if not isinstance(n, numbers.Integral) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive int (threads); got {n!r}")
    old = torch.get_num_threads()
    torch.set_num_threads(int(n))  # always set: the reported count may not be the real one
    try:
        yield
    finally:
        torch.set_num_threads(old)


def side_by_side(fn, jobs: dict, workers: int | None = None):
    """Start ``fn(**kwargs)`` for every named job in ``jobs`` on a thread pool, CPU-aware.

    ``workers`` jobs run at a time (default: one per core), each under
    :func:`torch_threads` with ``cores // workers`` threads; the jobs of a last,
    partial round (5 jobs on 2 workers: the fifth) share all the cores instead
    of leaving some idle. This assumes the jobs take about the same time, as
    chapter 5's five networks do.

    Returns ``(pool, futures)``: the :class:`~concurrent.futures.ThreadPoolExecutor`
    (call ``pool.shutdown()`` when done) and a dict ``name -> Future``, in the
    order of ``jobs``. Work started in the pool keeps running while the caller
    goes on, so results can be collected one at a time.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    if not isinstance(jobs, dict) or not all(isinstance(v, dict) for v in jobs.values()):
        raise TypeError("jobs must be a dict name -> dict of keyword arguments")
    cores = os.cpu_count() or 1
    if workers is None:
        workers = min(cores, max(1, len(jobs)))
    if not isinstance(workers, numbers.Integral) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers must be a positive int; got {workers!r}")
    workers = int(workers)
    n = len(jobs)
    full = n - n % workers  # jobs in complete rounds

    def call(threads, kwargs):
        with torch_threads(threads):
            return fn(**kwargs)

    pool = ThreadPoolExecutor(workers)
    futures = {}
    for i, (name, kwargs) in enumerate(jobs.items()):
        share = workers if i < full else n - full
        futures[name] = pool.submit(call, max(1, cores // share), kwargs)
    return pool, futures


#: Below this many multiply-adds per step, torch runs on one thread: on a small,
#: shared machine the intra-op thread pool costs far more than it saves.
SMALL_WORK = 1 << 20


@contextlib.contextmanager
def threads_for(work: int):
    """Run the block on one torch thread when ``work`` (multiply-adds per step) is small.

    Above :data:`SMALL_WORK` the calling thread's setting is left alone. The
    count is set even when one thread is already reported (see
    :func:`torch_threads`: the report can be the main thread's, not this one's).
    """
    if isinstance(work, bool) or not isinstance(work, numbers.Real) or not work >= 0:
        raise TypeError(f"work must be a non-negative number of multiply-adds; got {work!r}")
    if work < SMALL_WORK:
        with torch_threads(1):
            yield
    else:
        yield
