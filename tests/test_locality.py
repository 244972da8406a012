"""Tests for rgdl.dbn.locality: radius of gyration, centres and window fractions on the torus."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ------------------------------------------------------- validation at the door (#13)
def test_power_that_overflows_or_underflows_the_weights_is_refused_naming_it():
    f = np.full((1, 4, 4), 1e10)
    with pytest.raises(ValueError, match="power"):
        lo.radius_of_gyration(f, power=50.0)          # 1e500 overflows
    with pytest.raises(ValueError, match="power"):
        lo.radius_of_gyration(np.full((1, 4, 4), 1e-10), power=50.0)   # 1e-500 vanishes
    for bad in (0.0, -1.0, np.nan, np.inf, 1e300):
        with pytest.raises(ValueError, match="power"):
            lo.field_weights(f, power=bad)
    with pytest.raises(TypeError, match="power"):
        lo.field_weights(f, power="2")


def test_torus_moments_checks_its_marginal():
    var, _ = lo.torus_moments(np.full((2, 5), 0.2))
    np.testing.assert_allclose(var, [2.0, 2.0])       # 5 consecutive integers: (25 - 1)/12
    for bad in (np.array([0.5, 0.6]), np.array([1.5, -0.5]), np.array([np.nan, 1.0]),
                np.array([]), "bogus"):
        with pytest.raises((TypeError, ValueError), match="marginal"):
            lo.torus_moments(bad)


def test_as_images_and_unpermute_check_their_arguments():
    cols = np.arange(32.0).reshape(16, 2)
    assert lo.as_images(cols, L=4).shape == (2, 4, 4)
    with pytest.raises(TypeError, match="L"):
        lo.as_images(cols, L=4.0)
    with pytest.raises(ValueError, match="columns"):
        lo.as_images(np.full((16, 2), np.nan))
    with pytest.raises(TypeError, match="columns"):
        lo.as_images("bogus")
    with pytest.raises(TypeError, match="permutation"):
        lo.unpermute(cols, np.arange(16.0))           # float indices are not a permutation
    with pytest.raises((TypeError, ValueError), match="columns"):
        lo.unpermute("bogus", np.arange(16))
    perm = np.random.default_rng(0).permutation(16)
    np.testing.assert_array_equal(lo.unpermute(cols[perm.argsort()], perm)[perm],
                                  cols[perm.argsort()])
