"""The experiments of chapter 7, each returning a small dataclass.

- :func:`rule_table`: MCRG exponents of several rules on several lattice sizes;
- :func:`learned_rules`: RSMI and CD-RBM rules trained with several seeds, and
  their exponents on held-out critical data;
- :func:`ms_run`: Mehta-Schwab first layers trained with several seeds, placed
  on the block lattice, and the exponents of that coarse-graining next to the
  majority rule's on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core import validate
from ..rbm.training import MAX_EPOCHS
from .blocking import Rule, as_batch, check_rule, coarse_grain
from .learned import MAX_PAIRS, MAX_SIDE, cd_rbm_rule, ms_coarse_grain, ms_layer, rsmi_rule
from .linearization import MCRGResult, eigenvalues, level_eigenvalues
from .mutual_info import MAX_STEPS

__all__ = ["RuleTable", "rule_table", "block_shape", "LearnedRun", "learned_rules", "MSRun",
           "ms_run"]

#: Most seeds (trained models) one experiment takes.
MAX_SEEDS = 1000

#: The per-level fields of :class:`~rgdl.mcrg.MCRGResult` that :meth:`LearnedRun.values` reads.
RESULT_KEYS = ("y_t", "y_t_err", "y_h", "y_h_err", "y_t_trunc", "y_h_trunc", "lam_t",
               "lam_t_err", "lam_h", "lam_h_err")


class MissingRowError(KeyError, ValueError):
    """No row of a table matches: a ``KeyError`` that is also a ``ValueError`` (bad argument)."""


def _seeds(seeds) -> list:
    """``seeds`` as a list of 1 to :data:`MAX_SEEDS` non-negative ints."""
    if not isinstance(seeds, (list, tuple, range, np.ndarray)):
        raise TypeError(f"seeds must be a list of ints; got {type(seeds).__name__}")
    if not 1 <= len(seeds) <= MAX_SEEDS:
        raise ValueError(f"seeds must name 1 to {MAX_SEEDS} seeds; got {len(seeds)}")
    return [validate.positive_int(f"seeds[{i}]", s, minimum=0) for i, s in enumerate(seeds)]


def _n_bins(n_bins, n: int, name: str) -> int:
    n_bins = validate.positive_int("n_bins", n_bins, minimum=2)
    if n < 2 * n_bins:
        raise ValueError(f"n_bins = {n_bins} needs at least {2 * n_bins} configurations in "
                         f"{name}; got {n}")
    return n_bins


@dataclass
class RuleTable:
    """Rows ``{rule, L, level, y_t, y_t_err, y_h, y_h_err}`` of :func:`rule_table`."""

    rows: list
    results: list = field(default_factory=list)

    def get(self, rule: str, L: int, level: int) -> dict:
        """The row of ``rule`` at lattice size ``L`` and ``level`` (1-based).

        Raises :class:`MissingRowError` (a ``KeyError`` and a ``ValueError``) if none matches.
        """
        if not isinstance(rule, str):
            raise TypeError(f"rule must be a str; got {type(rule).__name__}")
        L = validate.positive_int("L", L)
        level = validate.positive_int("level", level)
        for row in self.rows:
            if (row["rule"], row["L"], row["level"]) == (rule, L, level):
                return row
        raise MissingRowError(f"no row for rule={rule!r}, L={L}, level={level}")


def rule_table(datasets: dict, rules: dict, levels: int = 3, n_even: int = 3, n_odd: int = 2,
               seed: int = 0, n_bins: int = 20) -> RuleTable:
    """:func:`eigenvalues` of every rule (``{name: rule}``) on every data set.

    ``datasets`` is ``{L: configs}``; the rows are in the order data set, rule, level.
    """
    for name, value in (("datasets", datasets), ("rules", rules)):
        if not isinstance(value, dict):
            raise TypeError(f"{name} must be a non-empty dict; got {type(value).__name__}")
        if not value:
            raise ValueError(f"{name} must be a non-empty dict")
    data = {L: as_batch(x, f"datasets[{L!r}]") for L, x in datasets.items()}
    for name, rule in rules.items():
        if not isinstance(name, str):
            raise TypeError(f"rules: each name must be a str; got {name!r}")
        check_rule(rule, 2, f"rules[{name!r}]")
    results = []
    for configs in data.values():
        for name, rule in rules.items():
            res = eigenvalues(configs, rule, 2, levels, n_even, n_odd, seed, n_bins)
            res.rule = name
            results.append(res)
    return RuleTable(rows=[row for res in results for row in res.rows()], results=results)


def block_shape(rule: Rule) -> dict:
    """How block-like a 2x2 rule is.

    ``spread = min(s w) / max(s w)`` with ``s`` the sign of ``sum w``: 1 for four
    equal weights (majority's direction), 0 for decimation's, negative when
    the weights differ in sign; ``cos`` is the cosine between ``w`` and (1,1,1,1)
    (1 for majority, 1/2 for decimation); ``norm`` is ``|w|``.
    """
    if not isinstance(rule, Rule):
        raise TypeError(f"rule must be a Rule; got {type(rule).__name__}")
    w = rule.weights.ravel() * (1.0 if rule.weights.sum() >= 0 else -1.0)
    norm = float(np.linalg.norm(w))
    u = w if np.isfinite(norm) else w / np.abs(w).max()     # |w| overflows: scale first
    return {"spread": float(w.min() / w.max()) if w.max() > 0 else -1.0,
            "cos": float(u.sum() / (np.sqrt(u.size) * np.linalg.norm(u))) if norm > 0 else 0.0,
            "norm": norm}


@dataclass
class LearnedRun:
    """Per seed: the trained rules (``rules[name]``) and their MCRG results on the test data."""

    seeds: list
    rules: dict
    results: dict

    def values(self, name: str, key: str, level: int) -> list:
        """``key`` (``"y_t"``, ``"y_h"``, ...) at ``level`` (1-based) for every seed."""
        name = validate.one_of("name", name, tuple(self.results))
        key = validate.one_of("key", key, RESULT_KEYS)
        level = validate.positive_int("level", level, maximum=len(self.results[name][0].y_t))
        return [getattr(r, key)[level - 1] for r in self.results[name]]


def learned_rules(train, test, seeds, levels: int = 3, rsmi_steps: int = 200,
                  rsmi_batch: int = 2048, cd_epochs: int = 3, n_bins: int = 20) -> LearnedRun:
    """Train an RSMI and a CD-RBM rule on ``train`` per seed; MCRG on ``test`` with each.

    ``train`` is an (n, L, L) batch with L even and >= 8 (block, buffer and
    environment of :func:`rsmi_rule`); ``2**levels`` must divide the size of ``test``.
    """
    train, test = as_batch(train, "train"), as_batch(test, "test")
    if train.shape[1] < 8 or train.shape[1] % 2:
        raise ValueError(f"train must be L x L with L even and >= 8; got L = {train.shape[1]}")
    seeds = _seeds(seeds)
    levels = validate.positive_int("levels", levels, maximum=64)
    if test.shape[1] % 2 ** levels:
        raise ValueError(f"2**levels = {2 ** levels} must divide the size of test, "
                         f"{test.shape[1]}")
    validate.positive_int("rsmi_steps", rsmi_steps, maximum=MAX_STEPS)
    validate.positive_int("rsmi_batch", rsmi_batch, maximum=MAX_PAIRS)
    validate.positive_int("cd_epochs", cd_epochs, minimum=0, maximum=MAX_EPOCHS)
    n_bins = _n_bins(n_bins, test.shape[0], "test")
    rules = {"RSMI": [], "CD-RBM": []}
    results = {"RSMI": [], "CD-RBM": []}
    for s in seeds:
        rules["RSMI"].append(rsmi_rule(train, steps=rsmi_steps, batch=rsmi_batch, seed=s))
        rules["CD-RBM"].append(cd_rbm_rule(train, epochs=cd_epochs, seed=s))
        for name in rules:
            results[name].append(eigenvalues(test, rules[name][-1], 2, levels, seed=s,
                                             n_bins=n_bins))
    return LearnedRun(seeds=seeds, rules=rules, results=results)


@dataclass
class MSRun:
    """Per seed: collisions, empty sites, mean displacement, 2x2-window fraction, MCRG result.

    ``alignment``: per seed, the mean over hidden units of the correlation
    coefficient between a unit's spin and the magnetisation of the 2x2 block at
    its assigned site (1 for a unit that copies the block's majority).

    ``majority`` is the majority rule's one-level MCRG on the same data;
    ``layer`` the last trained :class:`~rgdl.mcrg.MSLayer` (for figures).
    """

    seeds: list
    collisions: list
    empty: list
    displacement: list
    window: list
    alignment: list
    results: list
    majority: MCRGResult
    layer: object


def _alignment(h, m) -> float:
    """Mean over columns of the correlation coefficient of ``h[:, j]`` and ``m[:, j]``."""
    h = h - h.mean(0)
    m = m - m.mean(0)
    den = np.sqrt((h * h).sum(0) * (m * m).sum(0))
    return float(np.mean((h * m).sum(0) / np.where(den > 0, den, 1.0)))


def ms_run(configs, seeds, epochs: int = 10, n_bins: int = 20, **settings) -> MSRun:
    """Train a one-layer Mehta-Schwab network per seed on ``configs`` (L x L, hidden (L/2)^2)
    and measure the one-level MCRG exponents of its coarse-graining (:func:`ms_coarse_grain`).

    ``L`` must be even (at most ``2 * MAX_SIDE``) and ``epochs >= 1``; ``settings``
    are passed to :func:`ms_layer`.
    """
    arr = as_batch(configs)
    if arr.shape[1] % 2 or arr.shape[1] > 2 * MAX_SIDE:
        raise ValueError(f"configs must be L x L with L even and <= {2 * MAX_SIDE}; got "
                         f"L = {arr.shape[1]}")
    seeds = _seeds(seeds)
    epochs = validate.positive_int("epochs", epochs, maximum=MAX_EPOCHS)
    n_bins = _n_bins(n_bins, arr.shape[0], "configs")
    n_hidden = (arr.shape[1] // 2) ** 2
    out = {key: [] for key in ("collisions", "empty", "displacement", "window", "alignment",
                               "results")}
    L = arr.shape[1]
    block_m = arr.reshape(-1, L // 2, 2, L // 2, 2).sum(axis=(2, 4)).reshape(arr.shape[0], -1)
    layer = None
    for s in seeds:
        layer = ms_layer(arr, epochs=epochs, n_hidden=n_hidden, seed=s, **settings)
        hi = ms_coarse_grain(layer, arr, seed=s)
        out["results"].append(level_eigenvalues([arr, hi], n_bins=n_bins, rule="MS layer 1"))
        out["collisions"].append(layer.collisions)
        out["empty"].append(layer.empty)
        out["displacement"].append(layer.displacement)
        out["window"].append(float(np.median(layer.info["window_fraction"])))
        out["alignment"].append(_alignment(hi.reshape(arr.shape[0], -1), block_m))
    maj = level_eigenvalues([arr, coarse_grain(arr, "majority", seed=seeds[0])], n_bins=n_bins,
                            rule="majority")
    return MSRun(seeds=seeds, majority=maj, layer=layer, **out)
