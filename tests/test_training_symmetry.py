"""The CD trainer is equivariant under permuting the visible units (Mehta-Schwab's shuffled control).

A dense RBM has no geometry: relabelling the visible units by a permutation
``P`` and starting from the correspondingly permuted weights ``W' = P W`` and
biases ``b' = P b`` gives, update for update, the permuted run. Minibatches
pick rows, and with ``sample_visible=False`` every random number is drawn for
the hidden units, whose order is untouched, so both runs consume one random
stream identically; element-wise L1 and L2 penalties commute with ``P``. So a
network trained on site-shuffled Ising data is the unshuffled network with
permuted rows, and a "shuffled sites" control of chapter 5 can only
reproduce the main run (with another initialisation): it is a test of the
trainer, not an experiment.
"""

import numpy as np
import pytest
import torch

from rgdl.rbm import RBM, fit


def _run(x, W, b, c, seed, **hyper):
    rbm = RBM(x.shape[1], W.shape[1], dtype=torch.float64, seed=0)
    rbm.W.copy_(torch.as_tensor(W))
    rbm.b.copy_(torch.as_tensor(b))
    rbm.c.copy_(torch.as_tensor(c))
    fit(rbm, torch.as_tensor(x), epochs=4, batch_size=10, lr=0.1, k=1, sample_visible=False,
        monitors=(), seed=seed, progress=False, **hyper)
    return rbm.W.numpy().copy(), rbm.b.numpy().copy(), rbm.c.numpy().copy()


@pytest.mark.parametrize("penalty", [dict(l1=2e-4), dict(weight_decay=2e-4), {}])
def test_permuting_visible_units_permutes_the_trained_weights(penalty):
    gen = np.random.default_rng(5)
    n, nv, nh = 60, 16, 5
    x = (gen.random((n, nv)) < 0.3 + 0.4 * gen.random(nv)).astype(np.float64)
    W = 0.01 * gen.standard_normal((nv, nh))
    b, c = 0.1 * gen.standard_normal(nv), 0.1 * gen.standard_normal(nh)
    perm = gen.permutation(nv)
    W1, b1, c1 = _run(x, W, b, c, seed=11, **penalty)
    W2, b2, c2 = _run(x[:, perm], W[perm], b[perm], c, seed=11, **penalty)
    assert np.abs(W1 - W).max() > 1e-3  # training moved the weights
    np.testing.assert_allclose(W2, W1[perm], rtol=0, atol=1e-10)
    np.testing.assert_allclose(b2, b1[perm], rtol=0, atol=1e-10)
    np.testing.assert_allclose(c2, c1, rtol=0, atol=1e-10)


def test_sampled_visible_units_break_the_exact_correspondence():
    """With sampled visible units the permuted run draws its uniforms for other sites."""
    gen = np.random.default_rng(6)
    x = (gen.random((40, 12)) < 0.5).astype(np.float64)
    W = 0.01 * gen.standard_normal((12, 4))
    b, c = np.zeros(12), np.zeros(4)
    perm = np.roll(np.arange(12), 1)
    rbm1 = RBM(12, 4, dtype=torch.float64, seed=0)
    rbm2 = RBM(12, 4, dtype=torch.float64, seed=0)
    rbm1.W.copy_(torch.as_tensor(W))
    rbm2.W.copy_(torch.as_tensor(W[perm]))
    for rbm, data in ((rbm1, x), (rbm2, x[:, perm])):
        fit(rbm, torch.as_tensor(data), epochs=2, batch_size=10, sample_visible=True,
            monitors=(), seed=3, progress=False)
    assert np.abs(rbm2.W.numpy() - rbm1.W.numpy()[perm]).max() > 1e-8
