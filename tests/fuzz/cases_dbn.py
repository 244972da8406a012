"""Fuzz cases for rgdl.dbn: the stack, its passes, the locality measures and the experiment.

Sizes are tiny (a 4 x 4 lattice, 16 visible units, layers of 4 and 2 units, 2 epochs,
24 rows) so every valid call takes milliseconds; the experiment and the ensemble run at
L = 4 without the cache. Paths that would write into the working folder when given
``"bogus"`` (``DBN.save``'s folder, ``train``'s ``checkpoint_dir``) are left out of the
fuzzing; their checks are unit tests in tests/test_dbn.py.
"""

import atexit
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from rgdl.dbn import experiments as ex
from rgdl.dbn import locality as lo
from rgdl.dbn import stack
from tests.fuzz.harness import Case

_GEN = np.random.default_rng(0)
SPINS = _GEN.choice([-1, 1], size=(24, 4, 4)).astype(np.int8)
X = stack.spins_to_units(SPINS)                        # (24, 16) 0/1 float32
TINY = {"epochs": 2, "batch_size": 8, "progress": False, "device": "cpu"}
NET = stack.train(X[:20], (4, 2), heldout=X[20:], seed=0, **TINY)   # read-only below
P = np.clip(_GEN.random((3, 16)), 0, 1)
FIELDS = _GEN.normal(size=(3, 4, 4))
COLS = _GEN.normal(size=(16, 3))
PERM = _GEN.permutation(16)

_DIR = Path(tempfile.mkdtemp(prefix="rgdl-fuzz-dbn-"))
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)
SAVED = NET.save(_DIR / "net")

_EXP = {"L": 4, "K": 0.3, "n_train": 16, "n_heldout": 8, "sizes": (4,), "shuffle_sites": False,
        "data_seed": 0, "seed": 0, "power": 2.0, "windows": None, "cache": False,
        "progress": False, "device": "cpu", "epochs": 2, "batch_size": 8}
RUN = ex.experiment(**_EXP)
ENS = ex.ensemble(4, 0.3, 16, 8, jobs={"main": {}, "cold": {"K": 0.5}}, seeds=(0, 1),
                  workers=1, sizes=(4, 2), cache=False, progress=False, device="cpu",
                  epochs=1, batch_size=8)
TABLE = ex.control_table(ENS)
FLOW = ex.reconstruction_flow(RUN, seed=0)                # one layer
FLOW2 = ex.ReconstructionFlow(recon_abs_m=np.array([0.2, 0.3]), recon_nn=np.array([0.5, 0.4]),
                              sign_kept=np.ones(2), block_abs_m=np.array([0.1, 0.25, 0.3]),
                              block_nn=np.array([0.6, 0.5, 0.4]))


def experiment(L=4, K=0.3, n_train=16, n_heldout=8, sizes=(4,), shuffle_sites=False,
               data_seed=0, seed=0, power=2.0, windows=None, cache=False, progress=False,
               device="cpu", epochs=2, batch_size=8):
    """:func:`rgdl.dbn.experiment` with its keyword arguments spelled out for the fuzzer."""
    return ex.experiment(L, K, n_train, n_heldout, sizes=sizes, shuffle_sites=shuffle_sites,
                         data_seed=data_seed, seed=seed, power=power, windows=windows,
                         cache=cache, progress=progress, device=device, epochs=epochs,
                         batch_size=batch_size)


def ensemble(L=4, K=0.3, n_train=16, n_heldout=8, jobs=None, seeds=(0,), data_seeds=None,
             workers=1, epochs=1, cache=False):
    """:func:`rgdl.dbn.ensemble` at the smallest sizes, one worker (the 3 s limit)."""
    return ex.ensemble(L, K, n_train, n_heldout, jobs=jobs, seeds=seeds, data_seeds=data_seeds,
                       workers=workers, sizes=(2,), cache=cache, progress=False, device="cpu",
                       epochs=epochs, batch_size=8)


CASES = [
    # ----------------------------------------------------------------- stack
    Case(stack.spins_to_units, {"configs": SPINS}),
    Case(stack.units_to_spins, {"v": P, "L": 4, "seed": 0, "sample": True}),
    Case(stack.units_to_spins, {"v": X[:3], "L": None, "seed": None, "sample": False}),
    Case(stack.receptive_fields, {"weights": [r.W for r in NET.rbms]}),
    Case(stack.train, {"data": X[:20], "sizes": (4, 2), "config": None, "propagate": "samples",
                       "heldout": X[20:], "monitors": ("free_energy",), "checkpoint_dir": None,
                       "seed": 0, "device": "cpu", "dtype": torch.float32, "progress": False,
                       "corrupt": "refuse", "epochs": 2, "batch_size": 8, "lr": 0.1, "l1": 0.0},
         skip=("checkpoint_dir",)),
    Case(stack.train, {"data": X, "sizes": (3,), "propagate": "probs", "seed": 1,
                       "epochs": [1], "progress": False, "device": "cpu", "batch_size": 12}),
    Case(stack.DBN, {"rbms": NET.rbms, "history": NET.history, "config": NET.config}),
    Case(NET.up, {"v": X[:3], "layer": 2, "sample": True, "seed": 0}),
    Case(NET.down, {"h": torch.ones(3, 2), "layer": 2, "sample": True, "seed": 0}),
    Case(NET.reconstruct, {"v": X[:3], "layer": 1, "sample": False, "seed": 0}),
    Case(NET.generate, {"n_samples": 3, "n_steps": 4, "seed": 0, "start": None}),
    Case(NET.generate, {"n_samples": 3, "n_steps": 4, "seed": 0, "start": X[:2]}),
    Case(NET.receptive_fields, {}),
    Case(NET.free_energy_curves, {}),
    Case(NET.save, {"folder": _DIR / "saved"}, skip=("folder",)),
    Case(stack.DBN.load, {"folder": SAVED, "n_layers": None, "device": "cpu"},
         paths=("folder",)),
    Case(stack.DBN.load, {"folder": SAVED, "n_layers": 1, "device": "cpu"}, paths=("folder",)),
    # -------------------------------------------------------------- locality
    Case(lo.as_images, {"columns": COLS, "L": 4}),
    Case(lo.field_weights, {"fields": FIELDS, "power": 1.5}),
    Case(lo.circular_center, {"fields": FIELDS, "power": 1.0}),
    Case(lo.torus_moments, {"marginal": np.full((2, 5), 0.2)}),
    Case(lo.radius_of_gyration, {"fields": FIELDS, "power": 2.0, "return_center": True}),
    Case(lo.uniform_radius, {"L": 40}),
    Case(lo.window_fraction, {"fields": FIELDS, "window": 2, "power": 1.0}),
    Case(lo.localization, {"fields": FIELDS, "power": 2.0, "window": 3}),
    Case(lo.shuffled_fields, {"fields": FIELDS, "seed": 0}),
    Case(lo.unpermute, {"columns": COLS, "permutation": PERM}),
    # ------------------------------------------------------------ experiment
    Case(ex.layer_localization, {"dbn": NET, "power": 2.0, "window": 2, "permutation": PERM,
                                 "baseline_seed": 0, "L": 4}),
    Case(experiment, dict(_EXP)),
    Case(experiment, {**_EXP, "shuffle_sites": True, "windows": [2]}),
    Case(ensemble, {"L": 4, "K": 0.3, "n_train": 16, "n_heldout": 8,
                    "jobs": {"main": {}, "hot": {"K": 0.2}}, "seeds": (0,), "data_seeds": (3,),
                    "workers": 1, "epochs": 1, "cache": False}),
    Case(ENS.ratios, {"name": "cold"}),
    Case(ex.locality_table, {"run": RUN, "core_power": 8.0}),
    Case(ex.control_table, {"ens": ENS}),
    Case(TABLE.difference, {"name": "cold", "reference": "main"}),
    Case(ex.reconstruction_flow, {"run": RUN, "seed": 0}),
    Case(ex.free_energy_gaps, {"dbn": NET}),
    # ---------------------------------------------------- result dataclasses
    Case(ex.BlockSpinRun, {f: getattr(RUN, f) for f in RUN.__dataclass_fields__}, skip=tuple(
        RUN.__dataclass_fields__)),
    Case(ex.Ensemble, {"runs": ENS.runs, "seeds": ENS.seeds, "data_seeds": ENS.data_seeds,
                       "seconds": 0.0}, skip=("runs", "seeds", "data_seeds", "seconds")),
    Case(ex.LocalityTable, vars(ex.locality_table(RUN)), skip=tuple(vars(ex.locality_table(RUN)))),
    Case(ex.ControlTable, vars(TABLE), skip=tuple(vars(TABLE))),
    Case(ex.ReconstructionFlow, vars(FLOW), skip=tuple(vars(FLOW))),
    Case(ex.FreeEnergyGaps, vars(ex.free_energy_gaps(NET)),
         skip=tuple(vars(ex.free_energy_gaps(NET)))),
    Case(lambda: (FLOW2.abs_m_rise, FLOW2.nn_follows_flow, FLOW2.abs_m_gap, FLOW.abs_m_gap,
                  RUN.ratios, NET.sizes, NET.n_layers, repr(NET)), {}),
]
