"""Small binary data sets that need no download: bars-and-stripes and binarised 8x8 digits.

- :func:`bars_and_stripes`: every n x n image whose rows are all equal (a set
  of vertical bars) or whose columns are all equal (horizontal stripes);
  ``2^(n+1) - 2`` distinct images (MacKay 2003, Information Theory, Inference
  and Learning Algorithms, ch. 43). Small enough that every probability of a
  16-pixel model is enumerable.
- :func:`binarized_digits`: scikit-learn's bundled 1,797 handwritten 8x8 digits
  (``load_digits``, 17 grey levels 0..16), thresholded to 0/1 and split into a
  training and a held-out set.
"""

from __future__ import annotations

import numpy as np

from ..core import runtime
from ..core.validate import elements, positive_float, positive_int

__all__ = ["bars_and_stripes", "binarized_digits"]

#: Largest side of a bars-and-stripes image (2^13 distinct images of 144 pixels).
MAX_SIDE = 12


def bars_and_stripes(n: int = 4, *, unique: bool = True, n_samples=None, seed=None,
                     spins: bool = False) -> np.ndarray:
    """Bars-and-stripes images of size ``n x n`` flattened to rows of length ``n * n``.

    With ``unique`` (default) each of the ``2^(n+1) - 2`` distinct images appears
    once (the all-off and all-on images, which are both a bar and a stripe
    pattern, once each). Otherwise ``n_samples`` images are drawn from the
    generative process: choose bars or stripes with probability 1/2, then each
    line on or off with probability 1/2. ``spins`` maps {0, 1} to {-1, +1}.
    ``n`` is at most :data:`MAX_SIDE` (``2^(n+1)`` images of ``n^2`` pixels).
    """
    n = positive_int("n", n, maximum=MAX_SIDE)
    if not isinstance(unique, (bool, np.bool_)):
        raise TypeError(f"unique must be a bool; got {type(unique).__name__}")
    if not isinstance(spins, (bool, np.bool_)):
        raise TypeError(f"spins must be a bool; got {type(spins).__name__}")
    if not unique:
        n_samples = positive_int("n_samples", n_samples, maximum=1 << 31)
        elements("n_samples * n * n", n_samples, n * n, itemsize=4)
    lines = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.float32)  # (2^n, n)
    if unique:
        bars = np.repeat(lines[:, None, :], n, axis=1)    # every row equal -> vertical bars
        stripes = np.repeat(lines[:, :, None], n, axis=2)  # every column equal -> stripes
        images = np.concatenate([bars.reshape(2**n, -1), stripes.reshape(2**n, -1)])
        images = np.unique(images, axis=0)
    else:
        gen = runtime.rng(seed)
        on = gen.integers(0, 2, size=(n_samples, n)).astype(np.float32)
        vertical = gen.integers(0, 2, size=n_samples).astype(bool)
        images = np.where(vertical[:, None, None], on[:, None, :], on[:, :, None])
        images = np.broadcast_to(images, (n_samples, n, n)).reshape(n_samples, -1)
        images = np.array(images, dtype=np.float32)  # a writable copy
    return 2 * images - 1 if spins else images


def binarized_digits(*, threshold: int = 8, heldout_fraction: float = 0.25, seed=0,
                     n_train=None, spins: bool = False, return_labels: bool = False):
    """scikit-learn's 8x8 digits, binarised as ``pixel >= threshold`` and split at random.

    Parameters
    ----------
    threshold : int in 1..16
        Grey level (0..16) at and above which a pixel is on.
    heldout_fraction : float in (0, 1)
        Share of the 1,797 images put in the held-out set.
    seed : None, int or numpy Generator
        Seeds the split (the same seed gives the same split).
    n_train : int, optional
        Keep only the first ``n_train`` training images (a small training set
        to show overfitting).
    spins : bool
        Return {-1, +1} instead of {0, 1}.
    return_labels : bool
        Also return the digit labels of both sets.

    Returns
    -------
    (train, heldout) float32 arrays of shape (n, 64), or
    (train, heldout, y_train, y_heldout) with ``return_labels``.
    """
    from sklearn.datasets import load_digits

    threshold = positive_int("threshold", threshold)
    if threshold > 16:
        raise ValueError(f"threshold must be in 1..16; got {threshold}")
    heldout_fraction = positive_float("heldout_fraction", heldout_fraction)
    if not 0 < heldout_fraction < 1:
        raise ValueError(f"heldout_fraction must be in (0, 1); got {heldout_fraction}")
    for name, flag in (("spins", spins), ("return_labels", return_labels)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be a bool; got {type(flag).__name__}")
    runtime.rng(seed)  # validates the seed before the data are read
    digits = load_digits()
    x = (digits.data >= threshold).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = runtime.rng(seed).permutation(len(x))
    n_held = int(round(heldout_fraction * len(x)))
    held, train = order[:n_held], order[n_held:]
    if n_train is not None:
        n_train = positive_int("n_train", n_train)
        if n_train > len(train):
            raise ValueError(f"n_train must be at most {len(train)}; got {n_train}")
        train = train[:n_train]
    if spins:
        x = 2 * x - 1
    out = (x[train], x[held])
    if return_labels:
        out += (y[train], y[held])
    return out
