"""``python -m rgdl``: list, reproduce, strip; errors exit 2 and write nothing."""

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(*args, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "rgdl", *args], cwd=cwd, capture_output=True, text=True)


def test_list_prints_the_toc_chapters():
    res = _run("list")
    assert res.returncode == 0
    assert res.stdout.split()[0] == "00_prelude"


def test_unknown_chapter_exits_2_with_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    res = _run("reproduce", "99_bogus", "--scale", "smoke", "--out", str(out))
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "99_bogus" in res.stderr
    assert not out.exists()


def test_unknown_scale_exits_2(tmp_path):
    res = _run("reproduce", "00_prelude", "--scale", "huge", "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "smoke" in res.stderr
    assert not (tmp_path / "o").exists()


def test_reproduce_writes_notebook_and_results_and_resumes(tmp_path):
    out = tmp_path / "out"
    res = _run("reproduce", "00_prelude", "--scale", "smoke", "--out", str(out))
    assert res.returncode == 0, res.stderr
    results = json.loads((out / "results.json").read_text())
    entry = results["00_prelude"]
    assert entry["status"] == "ok" and entry["scale"] == "smoke"
    assert all(c["holds"] for c in entry["claims"].values())
    assert (out / "00_prelude.ipynb").is_file()
    # a second run finds the chapter done and skips it
    stamp = (out / "00_prelude.ipynb").stat().st_mtime_ns
    assert _run("reproduce", "00_prelude", "--scale", "smoke", "--out", str(out)).returncode == 0
    assert (out / "00_prelude.ipynb").stat().st_mtime_ns == stamp


def test_failing_chapter_is_named_with_its_cell(tmp_path):
    import nbformat

    book = tmp_path / "book"
    book.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('scale = "book"', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("raise RuntimeError('boom')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, book / "broken.ipynb")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/broken\n")
    res = _run("reproduce", "broken", "--scale", "smoke", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert res.returncode == 1
    assert "broken" in res.stderr and "cell" in res.stderr and "boom" in res.stderr
