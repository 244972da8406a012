"""Tests for rgdl.dbn: stacked RBMs (stack) and the block-spin experiment (experiment).

The locality measures are tested in tests/test_locality.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from rgdl import dbn as D
from rgdl import ising
from rgdl.core import io
from rgdl.dbn import locality as lo


# ------------------------------------------------------------------------- dbn
def test_receptive_fields_are_products_of_weights():
    gen = np.random.default_rng(2)
    Ws = [gen.normal(size=s) for s in [(16, 8), (8, 4), (4, 2)]]
    rs = D.receptive_fields([torch.tensor(w) for w in Ws])
    np.testing.assert_allclose(rs[0].numpy(), Ws[0])
    np.testing.assert_allclose(rs[1].numpy(), Ws[0] @ Ws[1])
    np.testing.assert_allclose(rs[2].numpy(), Ws[0] @ Ws[1] @ Ws[2])
    with pytest.raises(ValueError, match="rows"):
        D.receptive_fields([Ws[0], Ws[2]])


def test_spin_unit_conversion_round_trip():
    s = np.random.default_rng(0).choice([-1, 1], size=(5, 4, 4)).astype(np.int8)
    v = D.spins_to_units(s)
    assert v.shape == (5, 16) and set(v.unique().tolist()) <= {0.0, 1.0}
    np.testing.assert_array_equal(D.units_to_spins(v, sample=False), s)
    np.testing.assert_array_equal(D.units_to_spins(v, seed=0), s)  # p in {0, 1}: no randomness
    with pytest.raises(ValueError, match="configs"):
        D.spins_to_units(np.zeros((2, 4, 4)))


def _toy_data(n=300, L=4, seed=0):
    """Configurations of a 4x4 lattice made of 2x2 blocks of equal spins (locally correlated)."""
    gen = np.random.default_rng(seed)
    blocks = gen.choice([-1, 1], size=(n, L // 2, L // 2))
    s = blocks.repeat(2, 1).repeat(2, 2)
    return D.spins_to_units(s)


_TOY = dict(sizes=(8, 4, 2), epochs=2, batch_size=50, seed=3, progress=False, device="cpu")


def test_stacking_shapes_passes_and_determinism():
    x = _toy_data()
    net = D.train(x[:250], heldout=x[250:], **_TOY)
    assert net.sizes == (16, 8, 4, 2)
    assert [r.W.shape for r in net.rbms] == [(16, 8), (8, 4), (4, 2)]
    ups = net.up(x[:7])
    assert [u.shape for u in ups] == [(7, 8), (7, 4), (7, 2)]
    for layer in (1, 2, 3):
        down = net.down(ups[layer - 1], layer)
        assert down.shape == (7, 16) and bool(((down >= 0) & (down <= 1)).all())
        assert net.reconstruct(x[:7], layer, sample=True, seed=1).shape == (7, 16)
    assert net.generate(5, 10, seed=0).shape == (5, 16)
    assert net.generate(5, 10, seed=0, start=x[:3]).shape == (3, 16)
    np.testing.assert_array_equal(net.generate(4, 5, seed=9).numpy(),
                                  net.generate(4, 5, seed=9).numpy())
    # per-layer monitors: training vs held-out free energy at every layer, every epoch
    for curve in net.free_energy_curves():
        assert len(curve["train"]) == len(curve["heldout"]) == 2
    again = D.train(x[:250], heldout=x[250:], **_TOY)
    for a, b in zip(net.rbms, again.rbms):
        torch.testing.assert_close(a.W, b.W, rtol=0, atol=0)
    rs = net.receptive_fields()
    torch.testing.assert_close(rs[2], net.rbms[0].W.double() @ net.rbms[1].W.double()
                               @ net.rbms[2].W.double())


def test_per_layer_hyperparameters_and_bad_arguments():
    x = _toy_data()
    net = D.train(x, **{**_TOY, "epochs": (1, 2, 3), "l1": [0.0, 1e-3, 0.0]})
    assert [len(h["epoch"]) for h in net.history] == [1, 2, 3]
    assert net.config["layers"][1]["l1"] == 1e-3
    with pytest.raises(ValueError, match="epochs"):
        D.train(x, **{**_TOY, "epochs": (1, 2)})
    with pytest.raises(ValueError, match="propagate"):
        D.train(x, **{**_TOY, "propagate": "mean"})
    with pytest.raises(ValueError, match="sizes"):
        D.train(x, **{**_TOY, "sizes": ()})
    with pytest.raises(ValueError, match="layer"):
        net.down(torch.zeros(2, 4), 3)


def test_checkpoints_resume_layer_by_layer(tmp_path, monkeypatch):
    x = _toy_data()
    full = D.train(x, checkpoint_dir=tmp_path / "a", **_TOY)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "layer1.pt", "layer1.pt.sha256", "layer2.pt", "layer2.pt.sha256", "layer3.pt",
        "layer3.pt.sha256"]
    # an interrupted run: only layer 1 finished; resuming retrains 2 and 3 identically
    part = tmp_path / "b"
    part.mkdir()
    for name in ("layer1.pt", "layer1.pt.sha256"):  # a finished layer and its hash sidecar
        (part / name).write_bytes((tmp_path / "a" / name).read_bytes())
    calls = []
    real_fit = D.stack.fit
    monkeypatch.setattr(D.stack, "fit", lambda *a, **k: calls.append(1) or real_fit(*a, **k))
    resumed = D.train(x, checkpoint_dir=part, **_TOY)
    assert len(calls) == 2
    for a, b in zip(full.rbms, resumed.rbms):
        torch.testing.assert_close(a.W, b.W, rtol=0, atol=0)
    # everything finished: nothing is retrained
    calls.clear()
    D.train(x, checkpoint_dir=part, **_TOY)
    assert calls == []
    # other settings against the same folder are refused
    with pytest.raises(ValueError, match="checkpoint_dir"):
        D.train(x, checkpoint_dir=part, **{**_TOY, "l1": 1e-3})
    # save/load round trip
    loaded = D.DBN.load(tmp_path / "a")
    assert loaded.sizes == full.sizes
    torch.testing.assert_close(loaded.rbms[2].W, full.rbms[2].W)
    assert loaded.history[0]["epoch"] == [1, 2]


def test_layer_localization_sees_planted_local_fields():
    # layer 1: each of 16 hidden units sees one 2x2 block of an 8x8 lattice
    L = 8
    W1 = np.zeros((L * L, 16))
    for u in range(16):
        bi, bj = divmod(u, 4)
        for di in range(2):
            for dj in range(2):
                W1[(2 * bi + di) * L + 2 * bj + dj, u] = 1.0
    net = D.DBN([_rbm_with(W1), _rbm_with(np.eye(16)[:, :4] + 0.0)])
    res = D.layer_localization(net, window=2, baseline_seed=0)
    assert res[0]["median"] == pytest.approx(np.sqrt(0.5))  # 2x2 block: 1/4 + 1/4
    assert res[0]["window_median"] == pytest.approx(1.0)
    assert res[0]["baseline_median"] > 2 * res[0]["median"]
    assert res[1]["images"].shape == (4, L, L)


def _rbm_with(W):
    from rgdl.rbm import RBM

    r = RBM(W.shape[0], W.shape[1], seed=0)
    r.W = torch.tensor(W, dtype=torch.float32)
    return r


def test_probability_propagation_trains_upper_layers_on_probabilities():
    # "probs" feeds P(h|v) upward, as Hinton & Salakhutdinov's code did
    x = _toy_data()
    net = D.train(x, **{**_TOY, "propagate": "probs"})
    assert net.sizes == (16, 8, 4, 2)
    assert net.config["propagate"] == "probs"
    up = net.rbms[0].p_h_given_v(torch.as_tensor(x, dtype=torch.float32))
    assert not torch.all((up == 0) | (up == 1))  # what layer 2 saw is not binary
    sampled = D.train(x, **_TOY)
    torch.testing.assert_close(net.rbms[0].W, sampled.rbms[0].W)  # layer 1 is the same
    assert not torch.equal(net.rbms[1].W, sampled.rbms[1].W)      # layer 2 is not
    for r in net.rbms:
        assert torch.isfinite(r.W).all()


_EXP = dict(sizes=(16, 4, 1), epochs=2, batch_size=50, progress=False, windows=2, device="cpu")


def test_experiment_unpermutes_shuffled_sites(tmp_path, monkeypatch):
    monkeypatch.setenv("RGDL_CACHE", str(tmp_path))
    res = D.experiment(8, 0.408, 150, 50, shuffle_sites=True, seed=2, **_EXP)
    assert isinstance(res, D.BlockSpinRun)
    perm = res.permutation
    assert sorted(perm) == list(range(64))
    flat = res.heldout_spins.reshape(50, 64)
    np.testing.assert_array_equal(res.heldout.numpy(), (flat[:, perm] > 0).astype(np.float32))
    assert res.data["n"] == 200 and 0 < res.data["n_eff"] <= 200 and 0 < res.data["nn"] < 1
    fields = res.dbn.receptive_fields()
    for e, r in zip(res.localization, fields):
        np.testing.assert_allclose(e["images"], lo.as_images(lo.unpermute(r.numpy(), perm)))
        assert e["window"] == 2 and e["window_fraction"].shape == (r.shape[1],)
    np.testing.assert_allclose(res.ratios, [e["median"] / e["baseline_median"]
                                            for e in res.localization])
    # the layers were checkpointed in the cache: a rerun loads them and gives the same fields
    again = D.experiment(8, 0.408, 150, 50, shuffle_sites=True, seed=2, **_EXP)
    torch.testing.assert_close(again.dbn.rbms[0].W, res.dbn.rbms[0].W, rtol=0, atol=0)
    assert len(list((tmp_path / "dbn").iterdir())) == 1


def test_ensemble_pairs_replicas_and_tabulates_controls(tmp_path, monkeypatch):
    monkeypatch.setenv("RGDL_CACHE", str(tmp_path))
    jobs = {"main": {}, "l2": {"l1": 0.0, "weight_decay": 2e-4}, "hot": {"K": 0.2}}
    ens = D.ensemble(8, 0.408, 150, 50, jobs=jobs, seeds=(5, 6), replicas=True, **_EXP)
    assert ens.names == ["main", "l2", "hot"] and ens.data_seeds == [0, 1]
    for i, (s, d) in enumerate(zip((5, 6), (0, 1))):
        runs = [ens.runs[n][i] for n in ens.names]
        assert [(r.seed, r.data_seed) for r in runs] == [(s, d)] * 3
        assert [r.K for r in runs] == [0.408, 0.408, 0.2]
        # runs at the same K and replica index see the same data (paired comparisons)
        np.testing.assert_array_equal(runs[0].heldout_spins, runs[1].heldout_spins)
    assert ens.runs["l2"][0].dbn.config["layers"][0]["weight_decay"] == 2e-4
    # replica i is experiment() with its seeds: to float32 round-off when trained as a replica
    direct = D.experiment(8, 0.408, 150, 50, seed=6, data_seed=1, **_EXP)
    torch.testing.assert_close(direct.dbn.rbms[0].W, ens.runs["main"][1].dbn.rbms[0].W,
                               rtol=0, atol=1e-6)
    # ... and exactly when trained alone (here loaded from the cache experiment() wrote)
    alone = D.ensemble(8, 0.408, 150, 50, jobs={"main": {}}, seeds=(6,), data_seeds=(1,),
                       workers=2, **_EXP)                    # on the CPU: side by side
    torch.testing.assert_close(alone.runs["main"][0].dbn.rbms[2].W, direct.dbn.rbms[2].W,
                               rtol=0, atol=0)
    # a replica set is cached as a unit: the same ensemble loads it, bit for bit
    again = D.ensemble(8, 0.408, 150, 50, jobs=jobs, seeds=(5, 6), replicas=True, **_EXP)
    for name in jobs:
        for a, b in zip(again.runs[name], ens.runs[name]):
            torch.testing.assert_close(a.dbn.rbms[1].W, b.dbn.rbms[1].W, rtol=0, atol=0)
    table = D.control_table(ens)
    x = table.samples["hot"]
    assert x.shape == (2, 3)
    np.testing.assert_allclose(x, ens.ratios("hot"))
    np.testing.assert_allclose(table.mean["hot"], x.mean(0))
    np.testing.assert_allclose(table.se["hot"], x.std(0, ddof=1) / np.sqrt(2))
    np.testing.assert_allclose(table.difference("l2"), ens.ratios("l2") - ens.ratios("main"))
    with pytest.raises(ValueError, match="reference"):
        table.difference("l2", reference="nope")
    with pytest.raises(ValueError, match="name"):
        ens.ratios("nope")
    with pytest.raises(TypeError, match="jobs"):
        D.ensemble(8, 0.408, 150, 50, jobs={}, **_EXP)
    with pytest.raises(ValueError, match="data_seeds"):
        D.ensemble(8, 0.408, 150, 50, seeds=(1, 2), data_seeds=(0,), **_EXP)
    with pytest.raises(TypeError, match="ens"):
        D.control_table({"main": []})


def test_locality_table_is_layer_localization_summarised(tmp_path, monkeypatch):
    monkeypatch.setenv("RGDL_CACHE", str(tmp_path))
    run = D.experiment(8, 0.408, 150, 50, seed=1, **_EXP)
    t = D.locality_table(run, core_power=8)
    np.testing.assert_allclose(t.ratio, t.median / t.baseline_median)
    np.testing.assert_allclose(t.median, [e["median"] for e in run.localization])
    assert np.all(t.q25 <= t.median) and np.all(t.median <= t.q75)
    core = D.layer_localization(run.dbn, power=8, L=8)
    np.testing.assert_allclose(t.core_median, [np.median(e["radius"]) for e in core])
    assert t.window_median.shape == (3,)
    with pytest.raises(TypeError, match="run"):
        D.locality_table(run.dbn)


def _constant_run(bias, n=40, L=8, seed=0):
    """A two-layer DBN with zero weights: every reconstruction has P(v = 1) = sigmoid(bias)."""
    from rgdl.rbm import RBM

    rbms = [RBM(L * L, 16, seed=0), RBM(16, 4, seed=0)]
    for r in rbms:
        r.W.zero_()
    rbms[0].b.fill_(bias)
    spins = np.random.default_rng(seed).choice([-1, 1], size=(n, L, L)).astype(np.int8)
    return D.BlockSpinRun(dbn=D.DBN(rbms), L=L, K=0.3, seed=0, data_seed=0, heldout_spins=spins,
                          heldout=D.spins_to_units(spins), permutation=None, info={}, data={},
                          localization=[], seconds=0.0)


def test_reconstruction_flow_exact_cases():
    # visible bias +30: every reconstruction is all up, so |m| = <ss>_nn = 1 exactly
    run = _constant_run(30.0)
    flow = D.reconstruction_flow(run, seed=4)
    np.testing.assert_array_equal(flow.recon_abs_m, [1.0, 1.0])
    np.testing.assert_array_equal(flow.recon_nn, [1.0, 1.0])
    held_m = run.heldout_spins.reshape(40, -1).mean(1)
    np.testing.assert_allclose(flow.sign_kept, [np.mean(held_m > 0)] * 2)
    ref = ising.block_flow(run.heldout_spins, steps=2, seed=4)
    np.testing.assert_allclose(flow.block_nn, ref.nn)
    np.testing.assert_allclose(flow.block_abs_m, ref.abs_m)
    assert flow.abs_m_rise == 0.0 and flow.nn_follows_flow == 0.0
    assert flow.abs_m_gap == pytest.approx(np.abs(1.0 - np.asarray(ref.abs_m[1:])).max())
    # bias 0: reconstructions are fair coins, <ss>_nn = 0 within 5 sigma (sigma = 1/sqrt(2 n N))
    coins = D.reconstruction_flow(_constant_run(0.0, n=200), seed=1)
    assert np.all(np.abs(coins.recon_nn) < 5 / np.sqrt(2 * 200 * 64))
    with pytest.raises(TypeError, match="run"):
        D.reconstruction_flow(run.dbn)


def test_reconstruction_flow_properties():
    f = D.ReconstructionFlow(recon_abs_m=np.array([0.2, 0.3, 0.35]),
                             recon_nn=np.array([0.5, 0.45, 0.4]), sign_kept=np.ones(3),
                             block_abs_m=np.array([0.1, 0.25, 0.3, 0.5]),
                             block_nn=np.array([0.6, 0.5, 0.4, 0.3]))
    assert f.abs_m_rise == pytest.approx(0.05)
    assert f.nn_follows_flow == pytest.approx(0.1)      # both fall
    assert f.abs_m_gap == pytest.approx(0.15)


def test_free_energy_gaps_read_the_last_epoch():
    x = _toy_data()
    net = D.train(x[:200], heldout=x[200:], **_TOY)
    gaps = D.free_energy_gaps(net)
    curves = net.free_energy_curves()
    np.testing.assert_allclose(gaps.gap, [c["heldout"][-1] - c["train"][-1] for c in curves])
    np.testing.assert_allclose(gaps.relative, gaps.gap / np.abs([c["train"][-1] for c in curves]))
    with pytest.raises(ValueError, match="free-energy"):
        D.free_energy_gaps(D.train(x, **{**_TOY, "monitors": ()}))
    with pytest.raises(TypeError, match="dbn"):
        D.free_energy_gaps(x)


def test_single_layer_dbn_generates_from_its_rbm():
    x = _toy_data()
    net = D.train(x, **{**_TOY, "sizes": (6,)})
    assert net.generate(4, 3, seed=0).shape == (4, 16)
    assert net.generate(4, 3, seed=0, start=x[:2]).shape == (2, 16)
    assert net.reconstruct(x[:3], 1).shape == (3, 16)


# ------------------------------------------------------- integrity of written layers (#13)
DAMAGES = ["truncate", "empty", "garbage", "flip", "no_sidecar", "bad_sidecar"]
_TINY_EXP = {"sizes": (4, 2), "epochs": 2, "batch_size": 8, "progress": False, "device": "cpu"}


def _cached_run(**kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = D.experiment(4, 0.3, 24, 8, seed=1, **_TINY_EXP, **kw)
    return run, [w for w in caught if issubclass(w.category, RuntimeWarning)
                 and "DBN cache" in str(w.message)]


@pytest.mark.parametrize("how", DAMAGES)
def test_damaged_cached_layer_is_reported_moved_aside_and_retrained(tmp_path, monkeypatch, how,
                                                                    damage):
    monkeypatch.setenv("RGDL_CACHE", str(tmp_path))
    first, warned = _cached_run()
    assert warned == []
    (folder,) = (tmp_path / "dbn").iterdir()
    layer1 = folder / "layer1.pt"
    assert io.sidecar(layer1).is_file()
    damage(layer1, how)
    again, warned = _cached_run()
    assert len(warned) == 1 and "layer1.pt" in str(warned[0].message)
    assert "\n" not in str(warned[0].message)
    assert (folder / "layer1.pt.corrupt").exists()
    io.verify(layer1)                                     # regenerated, with a good sidecar
    for a, b in zip(first.dbn.rbms, again.dbn.rbms):      # retrained to the same numbers
        torch.testing.assert_close(a.W, b.W, rtol=0, atol=0)
    assert _cached_run()[1] == []                         # and now simply loaded


def test_damaged_cached_training_checkpoint_is_moved_aside(tmp_path, monkeypatch):
    monkeypatch.setenv("RGDL_CACHE", str(tmp_path))
    first, _ = _cached_run()
    (folder,) = (tmp_path / "dbn").iterdir()
    for name in ("layer2.pt", "layer2.pt.sha256"):       # layer 2 "interrupted" ...
        (folder / name).unlink()
    (folder / "layer2.training.pt").write_bytes(b"\x00garbage")   # ... with a broken checkpoint
    again, warned = _cached_run()
    assert len(warned) == 1 and "layer2.training.pt" in str(warned[0].message)
    assert (folder / "layer2.training.pt.corrupt").exists()
    torch.testing.assert_close(first.dbn.rbms[1].W, again.dbn.rbms[1].W, rtol=0, atol=0)


@pytest.mark.parametrize("how", DAMAGES)
def test_damaged_layer_in_a_users_checkpoint_dir_is_refused(tmp_path, how, damage):
    x = _toy_data(n=40)
    D.train(x, checkpoint_dir=tmp_path, **{**_TOY, "batch_size": 8})
    damage(tmp_path / "layer2.pt", how)
    with pytest.raises(io.CorruptFileError, match="layer2.pt") as err:
        D.train(x, checkpoint_dir=tmp_path, **{**_TOY, "batch_size": 8})
    assert "\n" not in str(err.value) and "checkpoint_dir" in str(err.value)
    assert (tmp_path / "layer2.pt").exists()              # left for the user, not moved
    with pytest.raises(ValueError, match="corrupt"):
        D.train(x, checkpoint_dir=tmp_path, corrupt="ignore", **_TOY)


@pytest.mark.parametrize("how", DAMAGES)
def test_dbn_load_refuses_a_damaged_layer(tmp_path, how, damage):
    net = D.train(_toy_data(n=40), **{**_TOY, "batch_size": 8})
    folder = net.save(tmp_path / "net")
    loaded = D.DBN.load(folder)
    for a, b in zip(net.rbms, loaded.rbms):
        torch.testing.assert_close(a.W, b.W, rtol=0, atol=0)
    damage(folder / "layer3.pt", how)
    with pytest.raises(io.CorruptFileError, match="layer3.pt") as err:
        D.DBN.load(folder)
    assert "\n" not in str(err.value)
    assert D.DBN.load(folder, n_layers=2).n_layers == 2   # the intact layers still load


def test_a_hash_valid_file_that_is_not_a_layer_is_refused(tmp_path):
    io.save_checked(tmp_path / "layer1.pt", {"format": 1, "rbm": {"W": torch.zeros(2)}})
    with pytest.raises(io.CorruptFileError, match="not a DBN layer"):
        D.DBN.load(tmp_path)


def test_path_arguments_are_checked(tmp_path):
    net = D.train(_toy_data(n=40), **{**_TOY, "sizes": (2,), "batch_size": 8})
    for bad in (None, 3, ""):
        with pytest.raises(TypeError, match="folder"):
            net.save(bad)
        with pytest.raises(TypeError, match="folder"):
            D.DBN.load(bad)
        if bad is not None:
            with pytest.raises(TypeError, match="checkpoint_dir"):
                D.train(_toy_data(n=40), checkpoint_dir=bad, **_TOY)
    with pytest.raises(FileNotFoundError, match="folder"):
        D.DBN.load(tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="layer1"):
        D.DBN.load(tmp_path)


# ------------------------------------------------------------------ other #13 items
def test_units_to_spins_refuses_nan_and_values_outside_the_unit_interval():
    for bad in (np.nan, -0.1, 1.5, np.inf):
        v = np.full((2, 16), 0.5)
        v[1, 3] = bad
        with pytest.raises(ValueError, match="v "):
            D.units_to_spins(v)
    with pytest.raises(TypeError, match="sample"):
        D.units_to_spins(np.full((2, 16), 0.5), sample="yes")
    with pytest.raises(TypeError, match="L"):
        D.units_to_spins(np.full((2, 16), 0.5), L=4.0)


def test_experiment_without_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("RGDL_CACHE", str(tmp_path))
    D.experiment(4, 0.3, 24, 8, cache=False, **_TINY_EXP)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("epochs", [2.5, -0.5, -1, 2**40, float("nan"), True])
def test_fractional_negative_or_huge_epochs_are_refused(epochs):
    with pytest.raises((TypeError, ValueError), match="epochs"):
        D.train(_toy_data(n=40), **{**_TOY, "batch_size": 8, "epochs": epochs})
    with pytest.raises((TypeError, ValueError), match="epochs"):
        D.train(_toy_data(n=40), **{**_TOY, "batch_size": 8, "epochs": [1, epochs, 1]})


def test_data_outside_the_unit_interval_is_refused_before_training():
    x = _toy_data(n=40).numpy()
    for bad in (np.nan, 2.0, -1.0):
        y = x.copy()
        y[0, 0] = bad
        with pytest.raises(ValueError, match="data"):
            D.train(y, **_TOY)
        with pytest.raises(ValueError, match="heldout"):
            D.train(x, heldout=y, **_TOY)
    with pytest.raises(TypeError, match="data"):
        D.train("bogus", **_TOY)
    with pytest.raises(ValueError, match="sizes"):
        D.train(x, **{**_TOY, "sizes": (2**40,)})


def test_damaged_training_checkpoint_in_a_users_checkpoint_dir_is_refused(tmp_path):
    x = _toy_data(n=40)
    small = {**_TOY, "batch_size": 8}
    D.train(x, checkpoint_dir=tmp_path, **small)
    for name in ("layer3.pt", "layer3.pt.sha256"):
        (tmp_path / name).unlink()
    (tmp_path / "layer3.training.pt").write_bytes(b"\x00garbage")
    with pytest.raises(io.CorruptFileError, match="layer3.training.pt"):
        D.train(x, checkpoint_dir=tmp_path, **small)
    assert (tmp_path / "layer3.training.pt").exists()
