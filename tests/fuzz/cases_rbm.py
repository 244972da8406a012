"""Fuzz cases for rgdl.rbm: the model and its methods, AIS, training, replicas, comparisons, data.

Sizes are tiny (4 visible, 3 hidden units, six bars-and-stripes images, one epoch) so
every valid call takes milliseconds. Functions that write a file have their path left
out of the fuzzing (a bad value such as ``"bogus"`` would be a valid file name in the
working folder); their path checks are unit tests in tests/test_rbm.py.
"""

import atexit
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch

from rgdl.rbm import ais, comparisons, datasets, model, replicas, training
from rgdl.rbm.model import RBM
from tests.fuzz.harness import Case

F64 = torch.float64
DATA = datasets.bars_and_stripes(2)           # (6, 4) 0/1 images
X = torch.as_tensor(DATA, dtype=F64)
H3 = torch.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]], dtype=F64)
V2 = X[:2]


def _rbm(seed=0):
    return RBM(4, 3, seed=seed, dtype=F64)


RBM_ = _rbm()                                  # read-only in every case below
_DIR = Path(tempfile.mkdtemp(prefix="rgdl-fuzz-rbm-"))
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)
SAVED = RBM_.save(_DIR / "rbm.pt")
CKPT = training.save_checkpoint(_DIR / "state.pt", {"epoch": 1, "w": torch.zeros(2)})

CONFIG = training.TrainingConfig(epochs=1, batch_size=2, lr=0.05)
_run_rbm = _rbm(1)
_state = training.TrainingState.fresh(_run_rbm, X, CONFIG, 0)
_buffers = training._Buffers(_run_rbm, X, CONFIG, _state)
_FP = training._data_fingerprint(X)
_state_rbm = _rbm(2)
_st = training.TrainingState.fresh(_state_rbm, X, CONFIG, 0)
_st.save(_DIR / "train.pt", _state_rbm, X, CONFIG, _FP,
         training._Buffers(_state_rbm, X, CONFIG, _st), 0)

COMPARISON = comparisons.compare_trainers((0,), 1, n_hidden=2, trainers={"CD-1": {"k": 1}},
                                          batch_size=10, n_train=20)

CASES = [
    # ------------------------------------------------------------------ the RBM class
    Case(RBM, {"n_visible": 4, "n_hidden": 3, "spins": False, "dtype": F64, "device": "cpu",
               "seed": 0, "mask": None}),
    Case(_rbm(3).set_mask, {"mask": np.ones((4, 3))}),
    Case(_rbm(4).to, {"dtype": F64, "device": "cpu"}),
    Case(RBM_.copy, {}),
    Case(RBM_.check_finite, {}),
    Case(RBM_.state_dict, {}),
    Case(_rbm(5).load_state_dict, {"state": RBM_.state_dict()}),
    Case(_rbm(6).save, {"path": _DIR / "saved.pt"}, skip=("path",)),
    Case(RBM.load, {"path": SAVED, "dtype": None, "device": "cpu"}, paths=("path",)),
    Case(RBM_.energy, {"v": V2, "h": H3}),
    Case(RBM_.visible_hamiltonian, {"v": V2}),
    Case(RBM_.hidden_hamiltonian, {"h": H3}),
    Case(RBM_.p_h_given_v, {"v": V2}),
    Case(RBM_.p_v_given_h, {"h": H3}),
    Case(RBM_.sample_h, {"v": V2, "generator": None}),
    Case(RBM_.sample_v, {"h": H3, "generator": None}),
    Case(RBM_.gibbs, {"v": V2, "k": 2, "generator": None}),
    Case(RBM_.sample, {"n_samples": 3, "n_steps": 2, "seed": 0, "v0": None}),
    Case(RBM_.sample, {"n_samples": 2, "n_steps": 2, "seed": 0, "v0": V2}),
    # ------------------------------------------------------------- exact oracles
    Case(model.enumerate_states, {"n": 3, "values": (0, 1), "dtype": F64, "device": "cpu",
                                  "start": 0, "stop": 8}),
    Case(model.log_partition, {"rbm": RBM_, "chunk": 4}),
    Case(model.gaussian_rbm, {"n_visible": 4, "n_hidden": 3, "spins": True, "scale": 1.0,
                              "seed": 0}),
    Case(model.enumeration_errors, {"rbm": RBM_}),
    Case(model.log_likelihood, {"rbm": RBM_, "data": DATA, "log_z": None}),
    Case(model.log_likelihood, {"rbm": RBM_, "data": DATA, "log_z": 5.0}),
    Case(model.free_energy_gap, {"rbm": RBM_, "train": DATA, "heldout": DATA[:3]}),
    Case(model.pseudo_log_likelihood, {"rbm": RBM_, "data": DATA, "seed": 0}),
    Case(model.reconstruction_error, {"rbm": RBM_, "data": DATA, "seed": 0}),
    Case(model.exact_gradient, {"rbm": RBM_, "data": DATA}),
    Case(model.cd_gradient, {"rbm": RBM_, "data": DATA, "k": 2, "seed": 0, "negative": None}),
    Case(model.cd_gradient, {"rbm": RBM_, "data": DATA, "k": 1, "seed": 0, "negative": DATA}),
    # ------------------------------------------------------------------------ AIS
    Case(ais.beta_schedule, {"n_betas": 20}),
    Case(ais.base_rate_biases, {"data": DATA, "spins": False, "eps": 1e-3}),
    Case(ais.ais_log_partition, {"rbm": RBM_, "n_runs": 8, "n_betas": 20, "seed": 0,
                                 "base": None, "betas": None, "dtype": F64, "progress": False}),
    Case(ais.ais_log_partition, {"rbm": RBM_, "n_runs": 8, "n_betas": 20, "seed": 0,
                                 "base": DATA, "betas": np.linspace(0, 1, 11)}),
    Case(ais.ais_against_exact, {"rbm": RBM_, "n_runs": 8, "n_betas": 20, "seed": 0,
                                 "base": None, "exact": None}),
    Case(ais.ais_against_exact, {"rbm": RBM_, "n_runs": 8, "n_betas": 20, "seed": 0,
                                 "base": np.zeros(4), "exact": 4.0}),
    Case(ais.ais_sweep, {"rbm": RBM_, "n_betas_grid": [10, 20], "n_runs": 8, "seed": 0,
                         "base": None}),
    # --------------------------------------------------------------------- data
    Case(datasets.bars_and_stripes, {"n": 3, "unique": True, "seed": 0, "spins": False}),
    Case(datasets.bars_and_stripes, {"n": 3, "unique": False, "n_samples": 5, "seed": 0,
                                     "spins": True}),
    Case(datasets.binarized_digits, {"threshold": 8, "heldout_fraction": 0.25, "seed": 0,
                                     "n_train": 10, "spins": False, "return_labels": True}),
    # ----------------------------------------------------------------- training
    Case(training.TrainingConfig, {
        "epochs": 1, "batch_size": 2, "lr": 0.05, "k": 1, "persistent": False,
        "momentum": 0.5, "final_momentum": 0.9, "momentum_switch": 5, "weight_decay": 0.0,
        "l1": 0.0, "lr_schedule": None, "sample_visible": True, "init_visible_bias": False,
        "binary": True, "matmul_dtype": None, "monitor_size": 10, "checkpoint_every": 1}),
    Case(training.TrainingConfig, {"epochs": 2, "lr_schedule": [0.1, 0.05]}),
    Case(CONFIG.replace, {"lr": 0.1, "k": 2}),
    Case(CONFIG.momentum_at, {"epoch": 3}),
    Case(CONFIG.lr_at, {"epoch": 0}),
    Case(training.TrainingConfig(epochs=2, lr_schedule=[0.1, 0.05]).lr_at, {"epoch": 1}),
    Case(training.run_settings, {"config": CONFIG, "seed": 3}),
    Case(training.save_checkpoint, {"path": _DIR / "ck.pt", "state": {"epoch": 1}},
         skip=("path",)),
    Case(training.load_checkpoint, {"path": CKPT, "device": "cpu"}, paths=("path",)),
    Case(training.TrainingState.fresh, {"rbm": _rbm(7), "x": X, "config": CONFIG, "seed": 0}),
    Case(training.TrainingState.load, {"path": _DIR / "train.pt", "rbm": _rbm(8), "x": X,
                                       "config": CONFIG, "fingerprint": _FP, "seed": 0},
         paths=("path",)),
    Case(_st.save, {"path": _DIR / "train2.pt", "rbm": _state_rbm, "x": X, "config": CONFIG,
                    "fingerprint": _FP, "buffers": _buffers, "seed": 0}, skip=("path",)),
    Case(training.run_epoch, {"rbm": _run_rbm, "x": X, "config": CONFIG, "state": _state,
                              "buffers": _buffers, "epoch": 0}),
    Case(training.fit, {"rbm": _rbm(9), "data": DATA, "config": None, "heldout": DATA,
                        "monitors": ("recon", "free_energy"), "checkpoint": None, "seed": 0,
                        "progress": False, "restart": False, "epochs": 1, "batch_size": 2,
                        "lr": 0.05, "k": 1}, skip=("checkpoint",)),
    Case(training.fit, {"rbm": _rbm(10), "data": DATA, "config": CONFIG, "seed": 0,
                        "progress": False, "monitors": ("loglik",)}),
    # ----------------------------------------------------------------- replicas
    Case(replicas.fit_replicas, {"rbms": [_rbm(11), _rbm(12)], "data": DATA, "configs": None,
                                 "seeds": [0, 1], "heldout": None, "monitors": ("recon",),
                                 "checkpoint": None, "progress": False, "epochs": 1,
                                 "batch_size": 2, "lr": [0.05, 0.1]}, skip=("checkpoint",)),
    # -------------------------------------------------------------- comparisons
    Case(comparisons.compare_trainers, {"seeds": (0,), "epochs": 1, "n_hidden": 2,
                                        "trainers": {"CD-1": {"k": 1}}, "lr": 0.05,
                                        "batch_size": 10, "momentum": 0.5, "n_train": 20}),
    Case(COMPARISON.final, {"name": "CD-1", "key": "loglik_heldout"}),
    Case(COMPARISON.gain, {"name": "CD-1", "key": "recon"}),
    Case(COMPARISON.difference, {"a": "CD-1", "b": "CD-1", "key": "loglik_heldout"}),
    Case(comparisons.overfitting_run, {"seeds": (0,), "epochs": 2, "n_train": 20,
                                       "n_hidden": 2, "lr": 0.05, "batch_size": 10}),
    Case(comparisons.trained_bars_and_stripes, {"epochs": 1, "seed": 0, "n_hidden": 2,
                                                "copies": 1, "k": 1}),
    Case(comparisons.trained_digits, {"n_hidden": 2, "epochs": 1, "seed": 0}),
]

# ------------------------------------------------------------------- rbm.graphs
from rgdl.rbm import graphs  # noqa: E402

CASES += [
    Case(graphs.graphs_wanted, {"device": torch.device("cpu")}),
    Case(graphs.LoopGraph, {"body": lambda: None, "tensors": [torch.zeros(2)],
                            "rng_state": lambda: 0, "set_rng_state": lambda s: None,
                            "generators": [torch.Generator()], "checks": 2, "name": "loop"},
         skip=("body", "rng_state", "set_rng_state")),
]
