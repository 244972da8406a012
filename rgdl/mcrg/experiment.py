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
from .blocking import Rule, as_batch, coarse_grain
from .learned import cd_rbm_rule, ms_coarse_grain, ms_layer, rsmi_rule
from .linearization import MCRGResult, eigenvalues, level_eigenvalues

__all__ = ["RuleTable", "rule_table", "block_shape", "LearnedRun", "learned_rules", "MSRun",
           "ms_run"]


@dataclass
class RuleTable:
    """Rows ``{rule, L, level, y_t, y_t_err, y_h, y_h_err}`` of :func:`rule_table`."""

    rows: list
    results: list = field(default_factory=list)

    def get(self, rule: str, L: int, level: int) -> dict:
        """The row of ``rule`` at lattice size ``L`` and ``level`` (1-based)."""
        for row in self.rows:
            if (row["rule"], row["L"], row["level"]) == (rule, L, level):
                return row
        raise KeyError(f"no row for rule={rule!r}, L={L}, level={level}")


def rule_table(datasets: dict, rules: dict, levels: int = 3, n_even: int = 3, n_odd: int = 2,
               seed: int = 0, n_bins: int = 20) -> RuleTable:
    """:func:`eigenvalues` of every rule (``{name: rule}``) on every data set.

    ``datasets`` is ``{L: configs}``; the rows are in the order data set, rule, level.
    """
    if not datasets or not rules:
        raise ValueError("datasets and rules must be non-empty dicts")
    results = []
    for L, configs in datasets.items():
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
    return {"spread": float(w.min() / w.max()) if w.max() > 0 else -1.0,
            "cos": float(w.sum() / (np.sqrt(w.size) * norm)) if norm > 0 else 0.0,
            "norm": norm}


@dataclass
class LearnedRun:
    """Per seed: the trained rules (``rules[name]``) and their MCRG results on the test data."""

    seeds: list
    rules: dict
    results: dict

    def values(self, name: str, key: str, level: int) -> list:
        """``key`` (``"y_t"``, ``"y_h"``, ...) at ``level`` (1-based) for every seed."""
        return [getattr(r, key)[level - 1] for r in self.results[name]]


def learned_rules(train, test, seeds, levels: int = 3, rsmi_steps: int = 200,
                  rsmi_batch: int = 2048, cd_epochs: int = 3, n_bins: int = 20) -> LearnedRun:
    """Train an RSMI and a CD-RBM rule on ``train`` per seed; MCRG on ``test`` with each."""
    seeds = [validate.positive_int("seed", s, minimum=0) for s in seeds]
    if not seeds:
        raise ValueError("seeds must name at least one seed")
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
    and measure the one-level MCRG exponents of its coarse-graining (:func:`ms_coarse_grain`)."""
    arr = as_batch(configs)
    seeds = [validate.positive_int("seed", s, minimum=0) for s in seeds]
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
