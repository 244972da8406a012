"""rgdl.core.io: atomic writes, modes, stale temporaries, and the integrity scheme."""

from __future__ import annotations

import os
import time

import pytest
import torch

from rgdl.core import io


def test_checked_round_trip(tmp_path):
    obj = {"W": torch.arange(6.0).reshape(2, 3), "n": 3, "name": "layer1"}
    path = io.save_checked(tmp_path / "a.pt", obj)
    back = io.load_checked(path)
    assert torch.equal(back["W"], obj["W"]) and back["n"] == 3 and back["name"] == "layer1"


@pytest.mark.parametrize("how", ["truncate", "empty", "garbage", "flip", "no_sidecar",
                                 "bad_sidecar"])
def test_every_damage_is_detected_in_one_line_and_never_loaded(tmp_path, how, damage):
    path = io.save_checked(tmp_path / "a.pt", {"W": torch.randn(50, 20)})
    damage(path, how)
    with pytest.raises(io.CorruptFileError) as err:
        io.load_checked(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    moved = io.quarantine(path)
    assert not path.exists() and moved.name == "a.pt.corrupt"


def test_files_get_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        path = io.atomic_write_text(tmp_path / "r.json", "{}")
        assert path.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


def test_stale_temporaries_of_killed_runs_are_removed_on_the_next_write(tmp_path):
    stale = tmp_path / ".layer1.pt.abc.tmp"
    fresh = tmp_path / ".layer2.pt.def.tmp"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    old = time.time() - 2 * io.STALE_TMP_SECONDS
    os.utime(stale, (old, old))
    io.atomic_write_text(tmp_path / "other.txt", "z")
    assert not stale.exists() and fresh.exists()  # a recent one may belong to a live writer


def test_sha256_file_refuses_file_descriptors_and_bad_chunks(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert io.sha256_file(path) == io.sha256_file(str(path), chunk=1)
    with pytest.raises(TypeError, match="path"):
        io.sha256_file(3)
    for bad in (0, -1, 1.5):
        with pytest.raises(ValueError, match="chunk"):
            io.sha256_file(path, chunk=bad)
