"""rgdl.dbn.train_replicas: R DBNs trained layer by layer as replicas equal R calls of train."""

import numpy as np
import pytest
import torch

import rgdl.dbn as D
from rgdl.dbn.replicas import train_replicas

_KW = dict(epochs=3, batch_size=20, checkpoint_every=1)


def _data(seed, n=80, d=36):
    gen = np.random.default_rng(seed)
    base = (gen.random((1, d)) < 0.5)
    flips = gen.random((n, d)) < 0.2
    return torch.as_tensor(np.logical_xor(base, flips).astype(np.float64))


def _nets_equal(a, b, tol):
    for ra, rb in zip(a.rbms, b.rbms):
        for name in ("W", "b", "c"):
            np.testing.assert_allclose(getattr(ra, name).cpu().numpy(),
                                       getattr(rb, name).cpu().numpy(), rtol=0, atol=tol)


def test_replicas_equal_networks_trained_alone_in_float64():
    data = [_data(s) for s in range(3)]
    held = [_data(10 + s, n=20) for s in range(3)]
    settings = [dict(_KW), dict(_KW, l1=0.0), dict(_KW, l1=0.0, weight_decay=1e-3)]
    nets = train_replicas(data, (12, 5, 3), seeds=[4, 5, 6], settings=settings, heldout=held,
                          dtype=torch.float64, device="cpu", progress=False)
    for r in range(3):
        alone = D.train(data[r], (12, 5, 3), seed=4 + r, heldout=held[r], dtype=torch.float64,
                        device="cpu", progress=False, **settings[r])
        _nets_equal(nets[r], alone, 1e-10)
        assert nets[r].config["fingerprints"] == alone.config["fingerprints"]
        np.testing.assert_allclose(nets[r].history[1]["free_energy_train"],
                                   alone.history[1]["free_energy_train"], rtol=1e-10)


def test_replica_caches_and_train_caches_are_interchangeable(tmp_path):
    data = [_data(s) for s in range(2)]
    dirs = [tmp_path / "a", tmp_path / "b"]
    kw = dict(dtype=torch.float64, device="cpu", progress=False)
    first = D.train(data[0], (12, 5), seed=1, checkpoint_dir=dirs[0], **kw, **_KW)
    nets = train_replicas(data, (12, 5), seeds=[1, 2], settings=[_KW, _KW],
                          checkpoint_dirs=dirs, **kw)
    _nets_equal(nets[0], first, 0.0)                          # loaded, not retrained
    assert not list(tmp_path.rglob("*.replicas-*"))           # the set's checkpoint is gone
    again = D.train(data[1], (12, 5), seed=2, checkpoint_dir=dirs[1], **kw, **_KW)
    _nets_equal(again, nets[1], 0.0)                          # train() reads the replica cache
    with pytest.raises(ValueError, match="other data or settings"):
        train_replicas(data[::-1], (12, 5), seeds=[1, 2], settings=[_KW, _KW],
                       checkpoint_dirs=dirs, **kw)


def test_mixed_precision_layers_are_trained_alone():
    data = [_data(s, d=256) for s in range(2)]
    settings = [dict(_KW, epochs=1, matmul_dtype=torch.bfloat16)] * 2
    nets = train_replicas(data, (128, 4), seeds=[0, 1], settings=settings, device="cpu",
                          progress=False)
    for r in range(2):
        alone = D.train(data[r], (128, 4), seed=r, device="cpu", progress=False, **settings[r])
        _nets_equal(D.DBN(nets[r].rbms[:1]), D.DBN(alone.rbms[:1]), 0.0)  # by fit, bit for bit
        # layer 2 (128 x 4, below MIXED_MIN_WEIGHTS) went through the replica trainer in
        # float32: the same update summed in another order, one epoch from 0.01-sized weights
        _nets_equal(D.DBN(nets[r].rbms[1:]), D.DBN(alone.rbms[1:]), 1e-6)
        assert nets[r].config["layers"][0]["matmul_dtype"] == torch.bfloat16


def test_train_replicas_checks_its_arguments(tmp_path):
    data = [_data(0), _data(1)]
    with pytest.raises(TypeError, match="data"):
        train_replicas(data[0], (4,), seeds=[0])
    with pytest.raises(ValueError, match="seeds has 1 entries; data holds 2"):
        train_replicas(data, (4,), seeds=[0])
    with pytest.raises(TypeError, match=r"settings\[1\]"):
        train_replicas(data, (4,), seeds=[0, 1], settings=[{}, 3])
    with pytest.raises(ValueError, match="checkpoint_dirs"):
        train_replicas(data, (4,), seeds=[0, 1], checkpoint_dirs=[tmp_path, None])
    with pytest.raises(ValueError, match="epochs must be the same"):
        train_replicas(data, (4,), seeds=[0, 1], settings=[dict(epochs=1), dict(epochs=2)])
    with pytest.raises(TypeError, match="unknown hyperparameter"):
        train_replicas(data, (4,), seeds=[0, 1], settings=[dict(epochz=1), {}])


def _straight_run(tmp_path):
    """Three two-layer networks trained without a stop, and folders for the stopped run."""
    data = [_data(s) for s in range(3)]
    kw = dict(sizes=(12, 5), seeds=[7, 8, 9], settings=[dict(_KW, epochs=4)] * 3, device="cpu",
              progress=False)
    straight = train_replicas(data, checkpoint_dirs=[tmp_path / f"s{r}" for r in range(3)], **kw)
    return data, kw, straight, [tmp_path / f"i{r}" for r in range(3)]


def test_an_interrupted_replica_set_resumes_bit_for_bit(tmp_path, monkeypatch):
    import rgdl.rbm.replicas as rr

    data, kw, straight, dirs = _straight_run(tmp_path)
    real, calls = rr._epoch, []

    def stop_in_layer_two(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4 + 3:          # layer 1 done (4 epochs), layer 2 after 2 epochs
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(rr, "_epoch", stop_in_layer_two)
    with pytest.raises(KeyboardInterrupt):
        train_replicas(data, checkpoint_dirs=dirs, **kw)
    assert len(list(dirs[0].glob("layer2.replicas-*.pt"))) == 1    # the set's checkpoint
    monkeypatch.setattr(rr, "_epoch", real)
    resumed = train_replicas(data, checkpoint_dirs=dirs, **kw)
    for a, b in zip(resumed, straight):
        _nets_equal(a, b, 0.0)
        assert a.history[1]["epoch"] == b.history[1]["epoch"] == [1, 2, 3, 4]
    assert not list(tmp_path.rglob("*.replicas-*"))


def test_a_set_stopped_while_saving_its_layers_resumes_as_the_whole_set(tmp_path, monkeypatch):
    # two of three layer-2 files written when the run stops: the set's checkpoint is still
    # there, so the whole set resumes from it (the third network is not retrained alone, in
    # a set that rounds differently) and no stale checkpoint is left behind
    import rgdl.dbn.replicas as dr

    data, kw, straight, dirs = _straight_run(tmp_path)
    real, saved = dr._save_layer, []

    def stop_after_two_layer_two_files(path, *args):
        if path.name == "layer2.pt" and len(saved) == 2:
            raise KeyboardInterrupt
        real(path, *args)
        saved.extend([path] if path.name == "layer2.pt" else [])

    monkeypatch.setattr(dr, "_save_layer", stop_after_two_layer_two_files)
    with pytest.raises(KeyboardInterrupt):
        train_replicas(data, checkpoint_dirs=dirs, **kw)
    assert [p.parent.name for p in saved] == ["i0", "i1"]
    assert len(list(dirs[0].glob("layer2.replicas-*.pt"))) == 1
    monkeypatch.setattr(dr, "_save_layer", real)
    resumed = train_replicas(data, checkpoint_dirs=dirs, **kw)
    for a, b in zip(resumed, straight):
        _nets_equal(a, b, 0.0)
        assert a.history[1]["epoch"] == [1, 2, 3, 4]
    assert not list(tmp_path.rglob("*.replicas-*"))
