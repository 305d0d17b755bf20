"""Instructor commands end to end: a class graded in one command, and the Gradescope bundle run the
way Gradescope runs it."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import zipfile

from conftest import REPO, SOLUTIONS

from autograder import batch


def _class(tmp_path):
    """Four students: a perfect folder, a zip with one wrong function, a notebook-only student, and
    one whose code kills its grading worker at import."""
    root = tmp_path / "submissions"
    perfect = root / "ada"
    perfect.mkdir(parents=True)
    for name in ("a01_tensors", "a02_views"):
        shutil.copy(SOLUTIONS / f"{name}.py", perfect / f"{name}.py")
    wrong = tmp_path / "bob"
    wrong.mkdir()
    shutil.copy(SOLUTIONS / "a01_tensors.py", wrong / "a01_tensors.py")
    source = (SOLUTIONS / "a02_views.py").read_text() + "\n\ndef outer_sum(a, b):\n    return a[None, :] + b[:, None]\n"
    (wrong / "a02_views.py").write_text(source)
    with zipfile.ZipFile(root / "bob.zip", "w") as archive:
        for path in wrong.iterdir():
            archive.write(path, f"bob/{path.name}")
    crash = root / "eve"
    crash.mkdir()
    (crash / "a01_tensors.py").write_text("import os\nos._exit(1)\n")
    return root


def test_grade_all_grades_a_class(tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-all", str(_class(tmp_path)), "--out", str(out)]
    done = subprocess.run(command + ["--jobs", "2", "--grade-seed", "7"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert set(rows) == {"ada", "bob", "eve"}
    assert rows["ada"]["status"] == rows["bob"]["status"] == rows["eve"]["status"] == "ok"
    assert float(rows["ada"]["a02_views"]) > float(rows["bob"]["a02_views"]) > 0
    assert rows["ada"]["a01_tensors"] == rows["bob"]["a01_tensors"] != "0"
    assert float(rows["eve"]["total"]) == 0
    feedback = (out / "bob" / "feedback.md").read_text()
    assert "test_outer_sum_values" in feedback and "a01_tensors" in feedback
    assert (out / "scores.png").stat().st_size > 1000
    # bob's outer_sum is the [m, n] table: a known mistake, named in his feedback and counted for the class
    assert "It matches the [m, n] table" in feedback
    misconceptions = list(csv.DictReader((out / "misconceptions.csv").open()))
    assert [(m["function"], m["id"], m["students"]) for m in misconceptions] == [("outer_sum", "transposed", "1")]
    assert (out / "misconceptions.png").stat().st_size > 1000
    bob = json.loads((out / "bob" / "results.json").read_text())
    named = [t["extra_data"]["diagnosis"] for t in bob["tests"] if "extra_data" in t]
    assert named == ["transposed"]
    results = json.loads((out / "ada" / "results.json").read_text())
    assert "grade seed 7" in results["output"]
    again = subprocess.run(command, cwd=REPO, capture_output=True, text=True)  # already graded: skipped
    assert again.returncode == 0 and "graded 3 students (0 errors)" in again.stdout


def test_a_student_whose_grading_overruns_gets_an_error_row(tmp_path):
    """With one grading process, the next student is graded by its replacement.

    No load can flip this test: ann's functions all hang, so her grading needs over 200 s (25 tests,
    each stopped at its 10 s call limit), while zed's takes about 8 s on a quiet machine, far under
    the 60 s allowed."""
    root = tmp_path / "submissions"
    (root / "ann").mkdir(parents=True)
    names = ("row_major_strides", "storage_index", "flatten_view", "flatten_any", "split_heads", "merge_heads")
    names += ("outer_sum", "chunk_rows")
    hanging = "".join(f"def {n}(*args, **kwargs):\n    while True:\n        pass\n\n\n" for n in names)
    (root / "ann" / "a02_views.py").write_text(hanging)
    (root / "zed").mkdir()
    shutil.copy(SOLUTIONS / "a02_views.py", root / "zed" / "a02_views.py")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-all", str(root), "--out", str(out), "--timeout", "60"]
    done = subprocess.run(command + ["--jobs", "1"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert rows["ann"]["status"].startswith("error: grading took more than 60 s")
    assert rows["zed"]["status"] == "ok" and float(rows["zed"]["a02_views"]) > 30


def test_one_warm_grading_process_grades_student_after_student(tmp_path):
    """torch and the zygotes load once per grading process, not once per student."""
    pool = batch.GradingPool(jobs=1)
    try:
        for student in ("ann", "bob", "cid"):
            results = tmp_path / f"{student}.json"
            args = [str(REPO / "autograder"), "--rootdir", str(REPO), "--submission", str(SOLUTIONS / "a01_tensors.py")]
            code, warm = pool.grade([*args, "--results", str(results), "-q"], tmp_path / f"{student}.log", 120)
            assert code == 0 and warm == (student != "ann")
            assert json.loads(results.read_text())["score"] == 35
            assert "35" in (tmp_path / f"{student}.log").read_text()
        assert len(pool._all) == 1 and pool._all[0].graded == 3
    finally:
        pool.close()


def test_a_grading_process_that_dies_costs_its_student_only(tmp_path):
    """If a grading process itself dies mid-student, that student gets an error row and the next
    student is graded by a fresh process."""
    for name, source in (("ann", "import time\ntime.sleep(5)\n"), ("zed", (SOLUTIONS / "a02_views.py").read_text())):
        (tmp_path / "in" / name).mkdir(parents=True)
        (tmp_path / "in" / name / "a02_views.py").write_text(source)
    pool = batch.GradingPool(jobs=1)
    killer = threading.Timer(2.0, lambda: os.killpg(pool._all[0]._process.pid, signal.SIGKILL))
    killer.start()
    try:
        ann = batch.grade_one("ann", tmp_path / "in" / "ann", tmp_path / "out", pool=pool, timeout=60, extra=[])
        zed = batch.grade_one("zed", tmp_path / "in" / "zed", tmp_path / "out", pool=pool, timeout=60, extra=[])
    finally:
        killer.cancel()
        pool.close()
    assert ann.status == "error: the grading process died (see grader.log)"
    assert zed.status == "ok" and zed.scores["a02_views"] == 37 and not zed.warm


def test_gradescope_bundle_runs_like_gradescope(tmp_path):
    bundle = tmp_path / "autograder.zip"
    subprocess.run([sys.executable, "-m", "autograder", "gradescope", "--out", str(bundle)], cwd=REPO, check=True)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        archive.extractall(root / "source")
    assert {"setup.sh", "run_autograder", "autograder/plugin.py", "solutions/a01_tensors.py"} <= set(names)
    assert not any("corpus" in n or n.startswith("tests/") for n in names)
    (root / "submission").mkdir()
    shutil.copy(SOLUTIONS / "a02_views.py", root / "submission" / "a02_views.py")
    path = f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"  # python3 is this environment's
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": path}
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=True, capture_output=True)
    results = json.loads((root / "results" / "results.json").read_text())
    by_assignment = {}
    for test in results["tests"]:
        got, out_of = by_assignment.get(test["tags"][0], (0, 0))
        by_assignment[test["tags"][0]] = (got + test["score"], out_of + test["max_score"])
    assert by_assignment["a02_views"][0] == by_assignment["a02_views"][1] > 0
    assert by_assignment["a01_tensors"][0] == 0


def test_bench_quick_prints_its_table():
    command = [sys.executable, "-m", "autograder", "bench", "--quick"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "round trip: 1 MB tensor" in done.stdout and "worker start" in done.stdout
