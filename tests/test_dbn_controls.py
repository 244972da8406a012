"""Chapter 5's controls: correlation-length scan, aspect ratios, untrained upper layers,
the network at K_c and likelihood per layer (rgdl.dbn.controls)."""

import dataclasses

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import rgdl.dbn as D
from rgdl import ising
from rgdl.dbn import controls, locality
from rgdl.rbm import RBM

_TINY = {"sizes": (16, 4), "epochs": 2, "batch_size": 25, "progress": False, "device": "cpu",
         "cache": False}


@pytest.fixture(scope="module")
def scan_ensemble():
    jobs = {"hot": {"K": 0.3}, "warm": {"K": 0.38}, "cold": {"K": 0.42}}
    return D.ensemble(8, 0.3, 100, 40, jobs=jobs, seeds=(1, 2), workers=1, power=2, **_TINY)


# ------------------------------------------------------------------------ axis radii
def _block(L, top, left, h, w):
    img = np.zeros((L, L))
    img[np.arange(top, top + h)[:, None] % L, np.arange(left, left + w)[None, :] % L] = 1.0
    return img


@pytest.mark.parametrize("h,w", [(1, 1), (2, 2), (3, 5), (6, 2)])
def test_axis_radii_of_a_rectangle_are_those_of_consecutive_integers(h, w):
    # a uniform run of n sites has variance (n^2 - 1) / 12 along its axis, wrapped or not
    img = _block(10, 8, 7, h, w)
    ry, rx = locality.axis_radii(img, power=2)
    assert ry == pytest.approx(np.sqrt((h * h - 1) / 12), abs=1e-12)
    assert rx == pytest.approx(np.sqrt((w * w - 1) / 12), abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([1.0, 2.0, 8.0]))
def test_axis_radii_add_up_to_the_radius_of_gyration(seed, power):
    fields = np.random.default_rng(seed).normal(size=(3, 7, 7))
    radii = locality.axis_radii(fields, power)
    np.testing.assert_allclose((radii**2).sum(-1), locality.radius_of_gyration(fields, power)**2,
                               rtol=1e-12, atol=1e-12)


def test_axis_radii_of_a_transposed_field_swap():
    img = np.random.default_rng(3).normal(size=(9, 9))
    np.testing.assert_allclose(locality.axis_radii(img.T), locality.axis_radii(img)[::-1])


# ----------------------------------------------------------------------- aspect ratios
def _run_with_fields(images, L):
    """A BlockSpinRun whose one-layer network has exactly the given fields (columns of W)."""
    rbm = RBM(L * L, len(images), dtype=torch.float64)
    rbm.W = torch.as_tensor(np.stack([im.ravel() for im in images], 1))
    net = D.DBN([rbm])
    loc = D.layer_localization(net, power=2, L=L)
    return D.BlockSpinRun(dbn=net, L=L, K=0.3, seed=0, data_seed=0,
                          heldout_spins=np.ones((2, L, L), np.int8),
                          heldout=torch.ones(2, L * L), permutation=None, info={}, data={},
                          localization=loc, seconds=0.0)


def test_aspect_ratio_of_stretched_blocks():
    L = 12
    wide = [_block(L, t, t, 2, 6) for t in range(5)]   # 2 rows, 6 columns: R_x/R_y = sqrt(35/3)
    run = _run_with_fields(wide, L)
    assert controls.aspect_ratios(run)[0] == pytest.approx(np.sqrt(35 / 3), rel=1e-12)
    square = _run_with_fields([_block(L, t, 2 * t, 3, 3) for t in range(4)], L)
    assert controls.aspect_ratios(square)[0] == pytest.approx(1.0, abs=1e-12)


def test_aspect_ratios_checks_its_arguments(scan_ensemble):
    with pytest.raises(TypeError, match="run"):
        controls.aspect_ratios("run")
    with pytest.raises(ValueError, match="power"):
        controls.aspect_ratios(scan_ensemble.runs["hot"][0], power=-1.0)


# ------------------------------------------------------------------ correlation scan
def test_correlation_scan_orders_by_K_and_matches_the_locality_tables(scan_ensemble):
    scan = controls.correlation_scan(scan_ensemble)
    assert scan.names == ["hot", "warm", "cold"] and scan.L == 8
    np.testing.assert_array_equal(scan.K, [0.3, 0.38, 0.42])
    np.testing.assert_allclose(scan.xi, ising.correlation_length(np.array([0.3, 0.38, 0.42])))
    assert scan.radius.shape == scan.core.shape == scan.ratio.shape == (2, 3, 2)
    table = D.locality_table(scan_ensemble.runs["warm"][1])
    np.testing.assert_array_equal(scan.radius[1, 1], table.median)
    np.testing.assert_array_equal(scan.core[1, 1], table.core_median)
    np.testing.assert_array_equal(scan.ratio[1, 1], table.ratio)


def test_scan_slope_is_the_least_squares_slope_in_log_log(scan_ensemble):
    scan = controls.correlation_scan(scan_ensemble)
    for what in ("radius", "core", "ratio"):
        slopes = scan.slope(2, what)
        for i in range(2):
            expected = np.polyfit(np.log(scan.xi), np.log(getattr(scan, what)[i, :, 1]), 1)[0]
            assert slopes[i] == pytest.approx(expected, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(scan.growth(), scan.radius[:, :, -1] / scan.radius[:, :, 0])
    with pytest.raises(ValueError, match="what"):
        scan.slope(1, "size")
    with pytest.raises(ValueError, match="layer"):
        scan.slope(3)


def test_scan_slope_is_exact_for_sizes_proportional_to_xi():
    xi = np.array([1.5, 2.5, 4.0, np.inf])
    radius = np.stack([3.0 * xi, 3.0 * xi**0.5], -1)[None]
    radius[:, -1] = 1.0                            # the K_c point (xi = inf) is left out
    scan = controls.CorrelationScan(L=8, names=list("abcd"), K=np.zeros(4), xi=xi,
                                    radius=radius, core=radius, ratio=radius)
    assert scan.slope(1)[0] == pytest.approx(1.0, abs=1e-12)
    assert scan.slope(2)[0] == pytest.approx(0.5, abs=1e-12)


def test_correlation_scan_refuses_mixed_runs(scan_ensemble):
    with pytest.raises(TypeError, match="ens"):
        controls.correlation_scan(scan_ensemble.runs)
    bad = dataclasses.replace(scan_ensemble, runs={
        "a": [scan_ensemble.runs["hot"][0], scan_ensemble.runs["cold"][1]]})
    with pytest.raises(ValueError, match="one isotropic K"):
        controls.correlation_scan(bad)


# --------------------------------------------------------------- untrained upper layers
def test_untrained_upper_layers_keep_layer_one_and_the_norms(scan_ensemble):
    net = scan_ensemble.runs["cold"][0].dbn
    rand = controls.untrained_upper_layers(net, seed=4)
    assert torch.equal(rand.rbms[0].W, net.rbms[0].W)
    for trained, random in zip(net.rbms[1:], rand.rbms[1:]):
        assert random.W.shape == trained.W.shape
        assert float(random.W.norm()) == pytest.approx(float(trained.W.norm()), rel=1e-6)
        assert not torch.equal(random.W, trained.W)
    again = controls.untrained_upper_layers(net, seed=4)
    assert all(torch.equal(a.W, b.W) for a, b in zip(rand.rbms, again.rbms))


def test_untrained_control_measures_like_the_trained_run(scan_ensemble):
    run = scan_ensemble.runs["cold"][0]
    table = controls.untrained_control(run, seed=1)
    trained = D.locality_table(run)
    assert table.ratio[0] == pytest.approx(trained.ratio[0], rel=1e-12)   # same layer 1
    assert table.ratio.shape == trained.ratio.shape
    with pytest.raises(TypeError, match="run"):
        controls.untrained_control(run.dbn)
    with pytest.raises(ValueError, match="seed"):
        controls.untrained_upper_layers(run.dbn, seed=-1)


# ------------------------------------------------------------------------ criticality
def test_critical_summary_repeats_layer_binder(scan_ensemble):
    runs = scan_ensemble.runs["cold"]
    summary = controls.critical_summary(runs, decay_layers=())
    assert summary.binder.shape == (2, 2) and summary.exponent.shape == (2, 0)
    table = D.layer_binder(runs[1].dbn, runs[1].heldout_spins, seed=1)
    np.testing.assert_allclose(summary.binder[1], table.layers)
    assert summary.lattice[1] == pytest.approx(table.lattice)
    np.testing.assert_allclose(summary.blocks[1], table.blocks_U)
    assert summary.u_star == D.criticality.BINDER_STAR and summary.eta == 0.25
    with pytest.raises(ValueError, match="one L"):
        controls.critical_summary([runs[0], dataclasses.replace(runs[1], L=4)])
    with pytest.raises(TypeError, match="runs"):
        controls.critical_summary([])
    with pytest.raises(ValueError, match="decay_layers"):
        controls.critical_summary(runs, decay_layers=(3,))
    with pytest.raises(ValueError, match="decay_layers: layer 2"):   # 4 units: too few bins
        controls.critical_summary(runs, decay_layers=(2,))


def test_critical_summary_fits_the_decay_of_block_detectors():
    # 16 units, each (almost exactly) the sum of one 2 x 2 block of an 8 x 8 lattice
    L, blocks = 8, [(r, c) for r in range(0, 8, 2) for c in range(0, 8, 2)]
    images = [4.0 * _block(L, r, c, 2, 2) for r, c in blocks]
    run = _run_with_fields(images, L)
    spins = ising.dataset(L, 0.42, 400, seed=0, cache=False, progress=False)
    run = dataclasses.replace(run, heldout_spins=spins, heldout=D.spins_to_units(spins).double())
    run.dbn.rbms[0].c = torch.full((16,), -8.0, dtype=torch.float64)
    summary = controls.critical_summary([run], blocks=(2, 4), r_max=6.0)
    direct = D.hidden_correlations(run.dbn, spins, 1).fit(r_min=1.0, r_max=6.0)
    assert summary.decay_layers == (1,)
    assert summary.exponent[0, 0] == pytest.approx(direct.exponent, rel=1e-12)
    assert summary.exponent_se[0, 0] == pytest.approx(direct.stderr, rel=1e-12)
    assert 0.0 < summary.exponent[0, 0] < 2.0           # correlated blocks: C falls with r
    with pytest.raises(ValueError, match="decay_layers: layer 1"):   # one bin up to r = 4
        controls.critical_summary([run], blocks=(2, 4))


# ------------------------------------------------------------------------- likelihood
def test_likelihood_summary_repeats_likelihood_per_layer(scan_ensemble):
    runs = scan_ensemble.runs["hot"]
    summary = controls.likelihood_summary(runs, n_runs=5, n_betas=50, n_samples=3, seed=7)
    assert summary.per_spin.shape == (2, 2) and summary.depths == (1, 2)
    direct = D.likelihood_per_layer(runs[1].dbn, runs[1].heldout_spins, K=0.3, n_samples=3,
                                    n_runs=5, n_betas=50, seed=8)
    np.testing.assert_allclose(summary.per_spin[1], [x.per_spin for x in direct.layers])
    assert summary.entropy == pytest.approx(D.ising_entropy_per_spin(8, 0.3))
    np.testing.assert_allclose(summary.excess, summary.per_spin + summary.entropy)
    # Gibbs: an RBM trained for two epochs is far below the exact entropy bound
    assert np.all(summary.excess < 0)


def test_likelihood_summary_refuses_mixed_couplings(scan_ensemble):
    runs = [scan_ensemble.runs["hot"][0], scan_ensemble.runs["cold"][0]]
    with pytest.raises(ValueError, match="isotropic K"):
        controls.likelihood_summary(runs)
    with pytest.raises(ValueError, match="seed"):
        controls.likelihood_summary(runs[:1], seed=-2)


# ------------------------------------------------------------- anisotropic experiment
def test_experiment_takes_an_anisotropic_coupling_pair(tmp_path, monkeypatch):
    monkeypatch.setenv("RGDL_CACHE", str(tmp_path))
    kw = dict(_TINY, cache=True)
    run = D.experiment(8, (0.6, 0.2), 100, 40, seed=3, **kw)
    assert run.K == (0.6, 0.2)
    again = D.experiment(8, (0.6, 0.2), 100, 40, seed=3, **kw)      # from the cache
    assert torch.equal(again.dbn.rbms[0].W, run.dbn.rbms[0].W)
    iso = D.experiment(8, 0.6, 100, 40, seed=3, **kw)
    assert not torch.equal(iso.dbn.rbms[0].W, run.dbn.rbms[0].W)
    assert controls.aspect_ratios(run).shape == (2,)
