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


def _toy_book(root, cells=("x = 1",), names=("toy",)):
    """A book of trivial chapters under ``root`` (fast, independent of the real chapters)."""
    import nbformat

    book = root / "book"
    book.mkdir(parents=True, exist_ok=True)
    for name in names:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell('scale = "book"', metadata={"tags": ["parameters"]})]
        nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nbformat.write(nb, book / f"{name}.ipynb")
    chapters = "".join(f"  - file: book/{n}\n" for n in names[1:])
    (root / "_toc.yml").write_text(f"format: jb-book\nroot: book/{names[0]}\n"
                                   + (f"chapters:\n{chapters}" if chapters else ""))
    return root


def _one_line_exit_2(res, *words):
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().count("\n") == 0 and "Traceback" not in res.stderr, res.stderr
    for w in words:
        assert w in res.stderr, res.stderr


def test_user_errors_are_one_line_and_exit_2(tmp_path):
    root = _toy_book(tmp_path)
    afile = tmp_path / "afile"
    afile.write_text("x")
    _one_line_exit_2(_run("reproduce", "--scale", "smoke", "--out", str(afile), cwd=root),
                     "is a file")
    _one_line_exit_2(_run("reproduce", "--scale", "smoke", "--out", "/proc/rgdl-out", cwd=root),
                     "not writable")
    for bad in ("nan", "-1", "0", "soon"):
        _one_line_exit_2(_run("reproduce", "--timeout", bad, cwd=root), "--timeout")
    _one_line_exit_2(_run("reproduce", "--device", "gpu", cwd=root), "--device")
    _one_line_exit_2(_run("reproduce", "--bogus-flag", cwd=root), "bogus")
    out = tmp_path / "o"
    (out / "results.json").mkdir(parents=True)
    _one_line_exit_2(_run("reproduce", "--scale", "smoke", "--out", str(out), cwd=root),
                     "not a file")
    for text in ("[]", "{garbage", '{"toy": 3}'):
        (out / "results.json").rmdir() if (out / "results.json").is_dir() else None
        (out / "results.json").write_text(text)
        _one_line_exit_2(_run("reproduce", "--scale", "smoke", "--out", str(out), cwd=root),
                         "results.json")


def test_a_cell_timeout_names_the_chapter_and_cell(tmp_path):
    root = _toy_book(tmp_path, cells=("import time", "time.sleep(30)"))
    res = _run("reproduce", "--scale", "smoke", "--timeout", "2", "--out", str(tmp_path / "o"),
               cwd=root)
    assert res.returncode == 1  # (the kernel's own log may show its interrupted cell)
    assert "FAILED chapter toy failed in cell 3: CellTimeoutError" in res.stderr, res.stderr


def test_an_interrupted_forced_run_keeps_the_complete_notebook(tmp_path):
    import signal
    import time

    root = _toy_book(tmp_path, cells=("import os, time",
                                      "time.sleep(float(os.environ.get('SLOW', '0')))"))
    out = tmp_path / "o"
    assert _run("reproduce", "--scale", "smoke", "--out", str(out), cwd=root).returncode == 0
    done = (out / "toy.ipynb").read_bytes()
    env = dict(__import__("os").environ, SLOW="60")
    proc = subprocess.Popen([sys.executable, "-m", "rgdl", "reproduce", "--force", "--scale",
                             "smoke", "--out", str(out)], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not list(out.glob(".*.partial.ipynb")) and time.time() < deadline:
        time.sleep(0.2)  # wait until the forced run is inside the chapter
    time.sleep(1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err
    assert (out / "toy.ipynb").read_bytes() == done  # untouched: the forced run never finished
    assert not list(out.glob(".*.partial.ipynb"))
    res = _run("reproduce", "--scale", "smoke", "--out", str(out), cwd=root)
    assert res.returncode == 0 and json.loads((out / "results.json").read_text())["toy"][
        "status"] == "ok"


def test_two_runs_into_one_folder_keep_both_entries(tmp_path):
    root = _toy_book(tmp_path, cells=("import time", "time.sleep(2)"), names=("a", "b"))
    out = tmp_path / "o"
    procs = [subprocess.Popen([sys.executable, "-m", "rgdl", "reproduce", name, "--scale",
                               "smoke", "--out", str(out)], cwd=root, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    results = json.loads((out / "results.json").read_text())
    assert sorted(results) == ["a", "b"] and all(v["status"] == "ok" for v in results.values())


def test_record_writes_a_checked_record_and_the_page_renders_it(tmp_path):
    from rgdl.book import reproductions

    root = _toy_book(tmp_path, cells=(
        "from rgdl.book import record",
        "record.claim('exact', 1e-14, kind='identity', hi=1e-10)",
        "record.claim('effect', kind='empirical', samples=[1.0, 1.2, 0.9], lo=0.5, scale='book')"))
    res = _run("reproduce", "--scale", "smoke", "--out", str(tmp_path / "o"), "--record",
               "--device", "cpu", cwd=root)
    assert res.returncode == 0, res.stderr
    rec = json.loads((root / "results" / "smoke" / "toy.json").read_text())
    reproductions.check_record(rec)
    assert rec["device"]["type"] == "cpu" and rec["claims"]["effect"]["n"] == 3
    page = reproductions.render(root)
    assert "| `effect` | empirical |" in page and "1.033 ± 0.08819 (n=3)" in page
    assert _run("reproductions", cwd=root).returncode == 0
    assert (root / "book" / "reproductions.md").read_text() == page
