"""CUDA-graph epochs (rgdl.rbm.graphs): replayed loops must equal the eager loop bit for bit.

Without a GPU the graph is replaced by a stand-in whose ``replay()`` runs the recorded
body, so the static-buffer loop, the checks against the eager loop and the fallback are
all exercised on the CPU; the tests marked ``needs a CUDA device`` capture real graphs.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rgdl.rbm import RBM, fit, graphs, replicas, training
from rgdl.rbm.datasets import bars_and_stripes
from rgdl.rbm.replicas import fit_replicas

F64 = torch.float64
DATA = torch.as_tensor(bars_and_stripes(3, unique=False, n_samples=90, seed=0), dtype=F64)
KW = dict(epochs=8, batch_size=20, lr=0.05, momentum=0.5, final_momentum=0.9,
          momentum_switch=3, monitors=("recon",), progress=False)
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


class _Replays:
    """Stand-in captures: ``replay()`` runs the body, then ``spoil(generators)`` if given."""

    def __init__(self, spoil=None):
        self.spoil, self.captures, self.replays = spoil, 0, 0

    def warmup(self, body):
        body()
        return "stream"

    def __call__(self, body, generators, stream):
        assert stream == "stream"  # captured on the warm-up's stream
        self.captures += 1
        outer = self

        class Graph:
            def replay(self):
                outer.replays += 1
                body()
                if outer.spoil is not None:
                    outer.spoil(generators)
        return Graph()


@pytest.fixture
def fake_graphs(monkeypatch):
    """A function that turns graphs on for the CPU, with a stand-in capture."""
    def install(replays):
        for module in (training, replicas):
            monkeypatch.setattr(module, "graphs_wanted", lambda device: True)
        monkeypatch.setattr(graphs, "cuda_warmup", _Replays().warmup)
        monkeypatch.setattr(graphs, "cuda_capture", replays)
        return replays
    return install


def _fit(persistent=False, **kw):
    rbm = RBM(9, 4, seed=0, dtype=F64)
    hist = fit(rbm, DATA, seed=3, persistent=persistent, **{**KW, **kw})
    return rbm, hist


def _equal(a, b):
    return all(torch.equal(getattr(a, n), getattr(b, n)) for n in ("W", "b", "c"))


@pytest.mark.parametrize("persistent", [False, True])
def test_replayed_epochs_equal_the_eager_run(fake_graphs, persistent):
    eager, h_eager = _fit(persistent)
    replays = fake_graphs(_Replays())
    graphed, h_graphed = _fit(persistent)
    assert _equal(eager, graphed) and h_eager["recon"] == h_graphed["recon"]
    # one graph per (momentum, lr): epochs 0 and 3 run eagerly (warm-up), 1-2 and 4-7 replay
    assert replays.captures == 2 and replays.replays == 2 + 4


@pytest.mark.parametrize("spoil", ["weights", "random stream"])
def test_a_replay_that_differs_is_given_up_and_the_eager_numbers_kept(fake_graphs, spoil):
    eager, _ = _fit()
    rbm = RBM(9, 4, seed=0, dtype=F64)

    def spoil_weights(generators):  # a graph that wrote one wrong number
        rbm.W[0, 0] += 1e-12

    def spoil_stream(generators):  # a graph that drew one number more than the eager loop
        torch.rand(1, generator=generators[0])
    replays = fake_graphs(_Replays(spoil_weights if spoil == "weights" else spoil_stream))
    with pytest.warns(RuntimeWarning, match="given up"):
        fit(rbm, DATA, seed=3, **KW)
    assert _equal(eager, rbm)
    assert replays.captures == 2 and replays.replays == 2  # each graph failed its first check


def test_a_capture_error_falls_back_to_the_eager_loop(fake_graphs):
    eager, _ = _fit()

    def broken(body, generators, stream):
        raise RuntimeError("operation not permitted when stream is capturing")
    fake_graphs(broken)
    with pytest.warns(RuntimeWarning, match="capture failed"):
        graphed, _ = _fit()
    assert _equal(eager, graphed)


def test_replica_epochs_replayed_equal_the_eager_run(fake_graphs):
    datas = [DATA, DATA.flip(0), DATA.roll(7, 0)]
    kw = dict(epochs=5, batch_size=20, lr=[0.05, 0.1, 0.02], l1=[0.0, 1e-3, 0.0],
              persistent=True, monitors=("recon",), progress=False)
    eager = [RBM(9, 4, seed=r, dtype=F64) for r in range(3)]
    fit_replicas(eager, datas, seeds=[1, 2, 3], **kw)
    replays = fake_graphs(_Replays())
    graphed = [RBM(9, 4, seed=r, dtype=F64) for r in range(3)]
    fit_replicas(graphed, datas, seeds=[1, 2, 3], **kw)
    assert all(_equal(a, b) for a, b in zip(eager, graphed))
    # the scalars live in static tensors: one graph for all epochs; epoch 0 is the warm-up
    assert replays.captures == 1 and replays.replays == 4


def test_checks_compare_every_written_tensor_and_the_streams():
    w = torch.zeros(3)
    draws = np.random.default_rng(0)

    def body():
        w.add_(draws.random())

    def lazy_capture(body, generators, stream):  # an unregistered generator: one draw, forever
        before = draws.bit_generator.state
        value = draws.random()
        draws.bit_generator.state = before

        class Graph:
            def replay(self):
                w.add_(value)
        return Graph()
    loop = graphs.LoopGraph(body, [w], lambda: dict(draws.bit_generator.state),
                            lambda s: setattr(draws.bit_generator, "state", s),
                            warmup=lambda body: body(), capture=lazy_capture)
    loop()  # the eager warm-up
    with pytest.warns(RuntimeWarning, match="differs"):
        loop()
    assert loop.failure is not None and loop.replays == 0
    loop()  # eager from now on
    expected = np.random.default_rng(0).random(3).sum()
    assert torch.allclose(w, torch.full((3,), expected, dtype=w.dtype))


def test_graphs_wanted_only_on_cuda(monkeypatch):
    monkeypatch.delenv(graphs.GRAPHS_VAR, raising=False)
    assert graphs.graphs_wanted(torch.device("cpu")) is False
    assert graphs.graphs_wanted(torch.device("cuda")) is True
    monkeypatch.setenv(graphs.GRAPHS_VAR, "0")
    assert graphs.graphs_wanted(torch.device("cuda")) is False
    with pytest.raises(TypeError, match="device"):
        graphs.graphs_wanted("cuda")


@pytest.mark.parametrize("kwargs,exc,match", [
    ({"body": 3}, TypeError, "body"), ({"tensors": [1.0]}, TypeError, "tensors"),
    ({"tensors": None}, TypeError, "tensors"), ({"generators": [1]}, TypeError, "generators"),
    ({"capture": 1}, TypeError, "capture"), ({"name": ""}, TypeError, "name"),
    ({"checks": -1}, ValueError, "checks"), ({"checks": True}, ValueError, "checks")])
def test_loop_graph_refuses_bad_arguments(kwargs, exc, match):
    args = {"body": lambda: None, "tensors": [], "rng_state": lambda: 0,
            "set_rng_state": lambda s: None, **kwargs}
    with pytest.raises(exc, match=match):
        graphs.LoopGraph(args.pop("body"), args.pop("tensors"), args.pop("rng_state"),
                         args.pop("set_rng_state"), **args)


def _eager_then_graphed(monkeypatch, recwarn, run):
    """``run()`` with graphs off, then on; asserts no graph was given up."""
    monkeypatch.setenv(graphs.GRAPHS_VAR, "0")
    eager = run()
    monkeypatch.setenv(graphs.GRAPHS_VAR, "1")
    graphed = run()
    assert not [w for w in recwarn if "given up" in str(w.message)]
    return eager, graphed


@CUDA
@pytest.mark.parametrize("persistent", [False, True])
def test_cuda_graph_epochs_equal_eager_epochs_on_the_gpu(monkeypatch, recwarn, persistent):
    data = DATA.float().cuda()

    def run():
        rbm = RBM(9, 4, seed=0, device="cuda")
        fit(rbm, data, seed=3, persistent=persistent, **KW)
        return rbm
    assert _equal(*_eager_then_graphed(monkeypatch, recwarn, run))


@CUDA
def test_cuda_graph_replicas_equal_eager_replicas_on_the_gpu(monkeypatch, recwarn):
    datas = [DATA.float().cuda(), DATA.float().flip(0).cuda()]

    def run():
        rbms = [RBM(9, 4, seed=r, device="cuda") for r in range(2)]
        fit_replicas(rbms, datas, seeds=[1, 2], epochs=5, batch_size=20, lr=0.05,
                     monitors=("recon",), progress=False)
        return rbms
    eager, graphed = _eager_then_graphed(monkeypatch, recwarn, run)
    assert all(_equal(a, b) for a, b in zip(eager, graphed))
