"""Monte Carlo renormalization group: is a (learned) coarse-graining an RG transformation?

Chapter 7. A block rule, iterated at the critical point, is a renormalization-group
transformation in the physicist's sense when its linearisation has the fixed
point's eigenvalues (2D Ising: ``y_t = 1``, ``y_h = 15/8``). Swendsen's MCRG
(PRL 42, 859, 1979) measures them from correlations of block operators.

- :mod:`rgdl.mcrg.blocking`: block rules (majority, decimation, a stochastic
  :class:`Rule`) and their iteration, :func:`flow`;
- :mod:`rgdl.mcrg.operators`: even and odd block operators;
- :mod:`rgdl.mcrg.linearization`: the MCRG matrix ``T`` and :func:`eigenvalues`;
- :mod:`rgdl.mcrg.mutual_info`: the Donsker-Varadhan bound on I(h : environment);
- :mod:`rgdl.mcrg.learned`: learned 2x2 rules (RSMI, a CD-trained local RBM) and
  the Mehta-Schwab first layer placed on a block lattice.
"""

from __future__ import annotations

from . import blocking, linearization, operators
from .blocking import RULES, Rule, as_batch, coarse_grain, flow
from .linearization import (
    MCRGResult, eigenvalues, leading_eigenvalue, leading_exponent, level_eigenvalues,
    linearization as linearize,
)
from .operators import EVEN, ODD, even_operators, odd_operators

__all__ = [
    "Rule", "RULES", "as_batch", "coarse_grain", "flow", "EVEN", "ODD", "even_operators",
    "odd_operators", "MCRGResult", "eigenvalues", "level_eigenvalues", "linearize",
    "leading_eigenvalue", "leading_exponent", "blocking", "operators", "linearization",
]

from . import learned, mutual_info  # noqa: E402
from .learned import (  # noqa: E402
    MSLayer, block_environment, cd_rbm_rule, ms_coarse_grain, ms_layer, place_units, rsmi_rule,
)
from .mutual_info import critic, dv_bound, exact_mutual_information, fit_critic  # noqa: E402

__all__ += ["learned", "mutual_info", "MSLayer", "block_environment", "cd_rbm_rule",
            "ms_coarse_grain", "ms_layer", "place_units", "rsmi_rule", "critic", "dv_bound",
            "exact_mutual_information", "fit_critic"]

from . import experiment  # noqa: E402
from .experiment import (  # noqa: E402
    LearnedRun, MSRun, RuleTable, block_shape, learned_rules, ms_run, rule_table,
)

__all__ += ["experiment", "LearnedRun", "MSRun", "RuleTable", "block_shape", "learned_rules",
            "ms_run", "rule_table"]
