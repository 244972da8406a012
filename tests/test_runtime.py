import pytest
import torch

from rgdl.core import io, runtime


def test_same_seed_same_numbers():
    assert runtime.rng(5).random() == runtime.rng(5).random()
    a = torch.rand(3, generator=runtime.torch_generator(5))
    b = torch.rand(3, generator=runtime.torch_generator(5))
    assert torch.equal(a, b)
    g = runtime.rng(9)
    assert runtime.rng(g) is g
    runtime.seed_all(3)
    x = torch.rand(2)
    runtime.seed_all(3)
    assert torch.equal(x, torch.rand(2))


@pytest.mark.parametrize("bad", [-1, 1.5, "1", True])
def test_bad_seeds(bad):
    with pytest.raises((TypeError, ValueError), match="seed"):
        runtime.rng(bad)


def test_device_is_cpu_unless_cuda_asked_for_and_present():
    assert runtime.device().type == "cpu"
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert runtime.device(prefer_cuda=True).type == expected


def test_atomic_write_leaves_no_partial_file(tmp_path):
    target = tmp_path / "x.bin"
    io.atomic_write_bytes(target, b"first")
    with pytest.raises(RuntimeError):
        with io.atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]
    assert len(io.sha256_file(target)) == 64


def test_torch_threads_sets_the_count_in_a_worker_thread_and_restores_it():
    from concurrent.futures import ThreadPoolExecutor

    def inside():
        with runtime.torch_threads(1):
            during = torch.get_num_threads()
        return during

    before = torch.get_num_threads()
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(inside).result() == 1
    with runtime.torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_torch_threads_rejects_bad_counts(bad):
    with pytest.raises(ValueError, match="threads"):
        with runtime.torch_threads(bad):
            pass


def test_side_by_side_runs_every_job_and_gives_a_last_partial_round_all_cores(monkeypatch):
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    jobs = {f"job{i}": {"x": i} for i in range(5)}
    pool, futures = runtime.side_by_side(lambda x: (x * x, torch.get_num_threads()), jobs,
                                         workers=2)
    results = {name: f.result() for name, f in futures.items()}
    pool.shutdown()
    assert list(results) == list(jobs)
    assert [r[0] for r in results.values()] == [0, 1, 4, 9, 16]
    assert [r[1] for r in results.values()] == [2, 2, 2, 2, 4]


def test_side_by_side_rejects_bad_input():
    with pytest.raises(TypeError, match="jobs"):
        runtime.side_by_side(print, [{"a": 1}])
    with pytest.raises(ValueError, match="workers"):
        runtime.side_by_side(print, {"a": {}}, workers=0)
