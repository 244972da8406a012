"""Tests for rgdl.dbn.locality (localization on the torus) and rgdl.dbn (stacked RBMs)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from rgdl import dbn as D
from rgdl.dbn import locality as lo


# ---------------------------------------------------------------- locality: exact cases
@pytest.mark.parametrize("L", [1, 2, 5, 8, 40])
def test_delta_field_has_radius_zero_and_full_window(L):
    for i, j in [(0, 0), (L - 1, 0), (L // 2, L - 1)]:
        f = np.zeros((L, L))
        f[i, j] = -3.0  # sign must not matter
        r, c = lo.radius_of_gyration(f, return_center=True)
        assert r == pytest.approx(0.0, abs=1e-12)
        np.testing.assert_allclose(c, [i, j], atol=1e-12)
        assert lo.window_fraction(f, 1) == pytest.approx(1.0)
        cc, res = lo.circular_center(f)
        np.testing.assert_allclose(cc, [i, j], atol=1e-9)
        np.testing.assert_allclose(res, [1.0, 1.0])


@pytest.mark.parametrize("L", [1, 2, 3, 7, 10, 40])
def test_uniform_field_has_the_analytic_radius(L):
    # per axis: variance of L consecutive integers, (L^2 - 1)/12
    f = np.full((L, L), 0.7)
    expected = np.sqrt((L * L - 1) / 6.0)
    assert lo.uniform_radius(L) == pytest.approx(expected)
    assert lo.radius_of_gyration(f) == pytest.approx(expected, rel=1e-12)
    for s in sorted({1, min(2, L), L}):
        assert lo.window_fraction(f, s) == pytest.approx(s * s / (L * L))
    if L > 1:
        np.testing.assert_allclose(lo.circular_center(f)[1], 0.0, atol=1e-12)


def test_two_sites_across_the_seam():
    # equal weight on columns 0 and L-1: neighbours through the boundary, R = 1/2
    L = 10
    f = np.zeros((L, L))
    f[4, 0] = f[4, L - 1] = 1.0
    r, c = lo.radius_of_gyration(f, return_center=True)
    assert r == pytest.approx(0.5)
    assert c[0] == pytest.approx(4.0)
    assert c[1] in (pytest.approx(L - 0.5), pytest.approx(-0.5))
    assert lo.window_fraction(f, 2) == pytest.approx(1.0)
    assert lo.window_fraction(f, 1) == pytest.approx(0.5)


def _brute_radius(w, step=1e-3):
    """min over a fine grid of centres of sum w d^2 / sum w, minimum-image d (oracle)."""
    L = w.shape[0]
    w = w / w.sum()
    grid = np.arange(0, L, step)
    best = 0.0
    for axis_marginal in (w.sum(1), w.sum(0)):
        d = np.abs(np.arange(L)[None, :] - grid[:, None])
        d = np.minimum(d, L - d)
        best += (axis_marginal[None, :] * d**2).sum(1).min()
    return np.sqrt(best)


def test_radius_matches_brute_force_minimum():
    gen = np.random.default_rng(3)
    for L in (3, 4, 6):
        for _ in range(5):
            f = gen.normal(size=(L, L)) * (gen.random((L, L)) < 0.5)
            f[0, 0] += 0.1  # never all zero
            # the grid minimum is within (slope * step) of the true one
            assert lo.radius_of_gyration(f) == pytest.approx(_brute_radius(np.abs(f)), abs=5e-3)


def test_window_fraction_matches_explicit_rolls():
    gen = np.random.default_rng(4)
    L, s = 6, 3
    f = gen.normal(size=(2, L, L))
    w = np.abs(f)
    brute = np.zeros(2)
    for a in range(L):
        for b in range(L):
            rolled = np.roll(w, (-a, -b), axis=(1, 2))
            brute = np.maximum(brute, rolled[:, :s, :s].sum((1, 2)))
    np.testing.assert_allclose(lo.window_fraction(f, s), brute / w.sum((1, 2)))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 9), st.integers(0, 20), st.integers(0, 20), st.integers(0, 2**31))
def test_radius_is_translation_invariant_on_the_torus(L, di, dj, seed):
    f = np.random.default_rng(seed).normal(size=(L, L))
    r0 = lo.radius_of_gyration(f)
    r1 = lo.radius_of_gyration(np.roll(f, (di, dj), axis=(0, 1)))
    assert r1 == pytest.approx(r0, rel=1e-9, abs=1e-12)
    # also invariant under the lattice symmetries (transpose, reflection) and sign/scale
    assert lo.radius_of_gyration(-2.5 * f.T[::-1]) == pytest.approx(r0, rel=1e-9, abs=1e-12)
    # and never above the uniform value
    assert r0 <= lo.uniform_radius(L) + 1e-9


def test_power_sharpens_a_peak_over_a_background():
    L = 20
    f = np.full((L, L), 0.05)
    f[3:5, 7:9] = 1.0
    r1, r2 = lo.radius_of_gyration(f, 1), lo.radius_of_gyration(f, 2)
    assert r2 < r1 < lo.uniform_radius(L)


def test_shuffled_fields_keep_values_and_are_reproducible():
    f = np.random.default_rng(0).normal(size=(3, 8, 8))
    a, b = lo.shuffled_fields(f, seed=5), lo.shuffled_fields(f, seed=5)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.sort(a.reshape(3, -1), 1), np.sort(f.reshape(3, -1), 1))
    assert not np.array_equal(a, f)


def test_unpermute_and_as_images():
    gen = np.random.default_rng(1)
    L, n = 4, 3
    fields = gen.normal(size=(L * L, n))  # columns over true sites
    perm = gen.permutation(L * L)
    seen = fields[perm]  # what a network trained on x[:, perm] sees
    np.testing.assert_array_equal(lo.unpermute(seen, perm), fields)
    img = lo.as_images(fields)
    assert img.shape == (n, L, L)
    assert img[2, 1, 3] == fields[1 * L + 3, 2]  # row-major sites
    with pytest.raises(ValueError, match="permutation"):
        lo.unpermute(seen, perm[:-1])


def test_locality_rejects_bad_input():
    with pytest.raises(ValueError, match="fields"):
        lo.radius_of_gyration(np.ones((3, 4)))
    with pytest.raises(ValueError, match="non-zero"):
        lo.radius_of_gyration(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="power"):
        lo.radius_of_gyration(np.ones((4, 4)), power=0)
    with pytest.raises(ValueError, match="window"):
        lo.window_fraction(np.ones((4, 4)), 5)
    with pytest.raises(ValueError, match="finite"):
        lo.radius_of_gyration(np.full((4, 4), np.nan))


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
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["layer1.pt", "layer2.pt",
                                                                  "layer3.pt"]
    # an interrupted run: only layer 1 finished; resuming retrains 2 and 3 identically
    part = tmp_path / "b"
    part.mkdir()
    (part / "layer1.pt").write_bytes((tmp_path / "a" / "layer1.pt").read_bytes())
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


def test_experiment_unpermutes_shuffled_sites(tmp_path, monkeypatch):
    monkeypatch.setenv("RGDL_CACHE", str(tmp_path))
    kw = dict(sizes=(16, 4, 1), epochs=2, batch_size=50, progress=False, windows=2, device="cpu")
    res = D.experiment(8, 0.408, 150, 50, shuffle_sites=True, seed=2, **kw)
    perm = res["permutation"]
    assert sorted(perm) == list(range(64))
    flat = res["configs"].reshape(200, 64)
    np.testing.assert_array_equal(res["train"].numpy(), (flat[:150, perm] > 0).astype(np.float32))
    fields = res["dbn"].receptive_fields()
    for e, r in zip(res["localization"], fields):
        np.testing.assert_allclose(e["images"], lo.as_images(lo.unpermute(r.numpy(), perm)))
        assert e["window"] == 2 and e["window_fraction"].shape == (r.shape[1],)
    # the layers were checkpointed in the cache: a rerun loads them and gives the same fields
    again = D.experiment(8, 0.408, 150, 50, shuffle_sites=True, seed=2, **kw)
    torch.testing.assert_close(again["dbn"].rbms[0].W, res["dbn"].rbms[0].W, rtol=0, atol=0)
    assert len(list((tmp_path / "dbn").iterdir())) == 1


def test_single_layer_dbn_generates_from_its_rbm():
    x = _toy_data()
    net = D.train(x, **{**_TOY, "sizes": (6,)})
    assert net.generate(4, 3, seed=0).shape == (4, 16)
    assert net.generate(4, 3, seed=0, start=x[:2]).shape == (2, 16)
    assert net.reconstruct(x[:3], 1).shape == (3, 16)
