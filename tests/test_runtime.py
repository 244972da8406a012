import pytest
import torch

from rgdl import io, runtime


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
