"""Instructor commands end to end: a class graded in one command, and the Gradescope bundle run the
way Gradescope runs it."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from conftest import REPO, SOLUTIONS

from autograder.harness.commands import batch


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
    assert set(rows) == {"ada", "bob", "eve", ""}  # "": the max row
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
    named = [t["extra_data"]["diagnosis"] for t in bob["tests"] if "diagnosis" in t.get("extra_data", {})]
    assert named == ["transposed"]
    results = json.loads((out / "ada" / "results.json").read_text())
    assert "grade seed 7" in results["output"]
    again = subprocess.run(command + ["--grade-seed", "7"], cwd=REPO, capture_output=True, text=True)
    assert again.returncode == 0 and "3 students: graded 0, skipped 3 (unchanged), failed 0" in again.stdout
    assert "grading" not in again.stdout  # no empty progress bar


def _honest_class(root):
    """A folder, a file named after its assignment, a notebook named after nobody, a broken zip and a
    folder with no assignment in it."""
    (root / "ada").mkdir(parents=True)
    shutil.copy(SOLUTIONS / "a01_tensors.py", root / "ada" / "a01_tensors.py")
    shutil.copy(SOLUTIONS / "a01_tensors.py", root / "cid_a01_tensors.py")
    (root / "dan.ipynb").write_text("{}")
    (root / "zoe.zip").write_text("not a zip")
    (root / "empty").mkdir()
    (root / "empty" / "notes.txt").write_text("I will submit tomorrow")
    return root


def _grade_all(root, out, *options):
    command = [sys.executable, "-m", "autograder", "grade-all", str(root), "--out", str(out), "--grade-seed", "5"]
    done = subprocess.run([*command, *options], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, {row["student"]: row for row in csv.DictReader((out / "grades.csv").open())}


def test_grade_all_tells_the_truth(tmp_path):
    root, out = _honest_class(tmp_path / "in"), tmp_path / "out"
    said, rows = _grade_all(root, out)
    assert "5 students: graded 2, skipped 0 (unchanged), failed 3" in said
    assert rows["dan"]["status"].startswith("error: dan.ipynb: which assignment is it?")
    assert rows["zoe"]["status"] == "error: zoe.zip cannot be read as a zip (File is not a zip file)"
    assert rows["empty"]["status"].startswith("error: empty holds no assignment file (a01_tensors, ")
    assert rows["cid_a01_tensors"]["a01_tensors"] == "35" and rows["cid_a01_tensors"]["status"] == "ok"
    assert rows[""]["status"] == "max" and rows[""]["a02_views"] == "37" and rows[""]["total"] == "260"
    feedback = (out / "ada" / "feedback.md").read_text()
    assert feedback.count("was not found in the submission") == 8 and len(feedback.splitlines()) < 60
    # ada resubmits (adds a file): she alone is graded again; the failed are tried again
    shutil.copy(SOLUTIONS / "a02_views.py", root / "ada" / "a02_views.py")
    said, rows = _grade_all(root, out)
    assert "5 students: graded 1, skipped 1 (unchanged), failed 3" in said
    assert rows["ada"]["a02_views"] == "37" and rows["cid_a01_tensors"]["total"] == "35"
    # --force names whom to regrade; --assignment says what a lone notebook is (dan's is not one)
    said, rows = _grade_all(root, out, "--force", "cid_a01_tensors", "--assignment", "a01_tensors")
    assert "5 students: graded 2, skipped 1 (unchanged), failed 2" in said
    assert rows["dan"]["status"] == "ok" and rows["dan"]["total"] == "0"
    assert "from_list: not defined in your file" in (out / "dan" / "feedback.md").read_text()


def test_a_student_named_like_an_output_file_cannot_replace_it(tmp_path):
    """OUT/<student> must never be OUT/grades.csv (a folder there would stop the class's CSV)."""
    (tmp_path / "grades.csv").mkdir()
    (tmp_path / "scores.png.zip").write_text("x")
    found = batch.students(tmp_path)
    assert set(found) == {"grades.csv", "scores.png"}
    assert all(s.problem and "may not be named" in s.problem for s in found.values())


def test_grade_all_bad_input_is_one_line(tmp_path):
    command = [sys.executable, "-m", "autograder", "grade-all"]
    done = subprocess.run([*command, str(tmp_path / "nowhere")], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.strip() == f"grade-all: no such folder: {tmp_path / 'nowhere'}"
    (tmp_path / "in" / "ada").mkdir(parents=True)
    done = subprocess.run([*command, str(tmp_path / "in"), "--force", "bob"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 2 and "--force names no student" in done.stderr and "Traceback" not in done.stderr


def test_grade_all_on_a_dask_cluster_matches_local_jobs(tmp_path):
    """--scheduler: the same class graded by a LocalCluster of two worker processes (started here)
    gets the very grades, feedback and errors of local --jobs 2."""
    from distributed import LocalCluster

    root = _honest_class(tmp_path / "in")
    _, local = _grade_all(root, tmp_path / "local")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        said, remote = _grade_all(root, tmp_path / "dask", "--scheduler", cluster.scheduler_address)
    assert "5 students: graded 2, skipped 0 (unchanged), failed 3" in said
    assert remote == local
    for student in ("ada", "cid_a01_tensors"):
        here, there = (json.loads((tmp_path / at / student / "results.json").read_text()) for at in ("local", "dask"))
        assert [(t["name"], t["score"], t["output"]) for t in here["tests"]] == [
            (t["name"], t["score"], t["output"]) for t in there["tests"]
        ]
        assert (tmp_path / "dask" / student / "feedback.md").read_text() == (
            tmp_path / "local" / student / "feedback.md"
        ).read_text()
    assert (tmp_path / "dask" / "ada" / "grader.log").read_text().startswith("graded on ")


def test_a_dask_worker_dying_mid_student_costs_a_retry_not_the_run(tmp_path):
    """A Dask worker killed while it grades a student: Dask reschedules the student, who is graded."""
    from distributed import Client, LocalCluster

    root = tmp_path / "in"
    for student in ("ada", "bob"):
        (root / student).mkdir(parents=True)
        shutil.copy(SOLUTIONS / "a01_tensors.py", root / student / "a01_tensors.py")
    killed = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:

        def kill_the_first_busy_worker():
            with Client(cluster.scheduler_address) as watcher:
                for _ in range(600):
                    busy = [address for address, tasks in watcher.processing().items() if tasks]
                    if busy:
                        pid = watcher.run(os.getpid, workers=busy[:1])[busy[0]]
                        time.sleep(1.0)  # well into the grading: the grading process has started
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                        return
                    time.sleep(0.1)

        killer = threading.Thread(target=kill_the_first_busy_worker)
        killer.start()
        outcomes = batch.grade_all(
            root, tmp_path / "out", extra=["--grade-seed=5"], scheduler=cluster.scheduler_address
        )
        killer.join()
    assert killed
    assert sorted((o.student, o.status, o.total) for o in outcomes) == [("ada", "ok", 35.0), ("bob", "ok", 35.0)]


def test_a_student_whose_grading_overruns_gets_an_error_row(tmp_path):
    """With one grading process, the next student is graded by its replacement.

    No load can flip this test: ann's functions all hang, so her grading needs over 75 s (25 tests,
    each stopped at a 3 s call limit), while zed's takes about 4 s on a quiet machine, far under
    the 30 s allowed."""
    root = tmp_path / "submissions"
    (root / "ann").mkdir(parents=True)
    names = ("row_major_strides", "storage_index", "flatten_view", "flatten_any", "split_heads", "merge_heads")
    names += ("outer_sum", "chunk_rows")
    hanging = "".join(f"def {n}(*args, **kwargs):\n    while True:\n        pass\n\n\n" for n in names)
    (root / "ann" / "a02_views.py").write_text(hanging)
    (root / "zed").mkdir()
    shutil.copy(SOLUTIONS / "a02_views.py", root / "zed" / "a02_views.py")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "autograder", "grade-all", str(root), "--out", str(out), "--timeout", "30"]
    done = subprocess.run(command + ["--jobs", "1", "--call-timeout", "3"], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert rows["ann"]["status"].startswith("error: grading took more than 30 s")
    assert rows["zed"]["status"] == "ok" and float(rows["zed"]["a02_views"]) > 30


def test_one_warm_grading_process_grades_student_after_student(tmp_path):
    """torch and the zygotes load once per grading process, not once per student."""
    pool = batch.GradingPool(jobs=1)
    try:
        for before, student in enumerate(("ann", "bob", "cid")):
            results = tmp_path / f"{student}.json"
            args = [str(REPO / "autograder"), "--rootdir", str(REPO), "--submission", str(SOLUTIONS / "a01_tensors.py")]
            code, earlier = pool.grade([*args, "--results", str(results), "-q"], tmp_path / f"{student}.log", 120)
            assert code == 0 and earlier == before  # students this process had graded before
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


def _gradescope_layout(tmp_path, *options):
    """Build a bundle and unzip it as Gradescope does: AUTOGRADER_ROOT/source, /submission, /results."""
    bundle = tmp_path / "autograder.zip"
    command = [sys.executable, "-m", "autograder", "gradescope", "--out", str(bundle), *options]
    subprocess.run(command, cwd=REPO, check=True)
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        archive.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(0o755)
    (root / "submission").mkdir()
    assert not any("corpus" in n or n.startswith("tests/") for n in names)
    return root, names


def _by_assignment(results):
    totals = {}
    for test in results["tests"]:
        got, out_of = totals.get(test["tags"][0], (0, 0))
        totals[test["tags"][0]] = (got + test["score"], out_of + test["max_score"])
    return totals


def test_gradescope_course_bundle_runs_like_gradescope(tmp_path):
    root, names = _gradescope_layout(tmp_path)
    assert {"setup.sh", "run_autograder", "autograder/harness/grading/plugin.py", "solutions/a01_tensors.py"} <= names
    shutil.copy(SOLUTIONS / "a02_views.py", root / "submission" / "a02_views.py")
    path = f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"  # no venv made: python3 is this environment's
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": path}
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=True, capture_output=True)
    results = json.loads((root / "results" / "results.json").read_text())
    totals = _by_assignment(results)
    assert totals["a02_views"][0] == totals["a02_views"][1] == 37
    assert totals["a01_tensors"][0] == 0 and len(totals) == 9
    assert results["output_format"] == "md" and "| a02_views | 37 / 37 |" in results["output"]


def test_gradescope_one_assignment_bundle_installs_in_a_fresh_venv_and_grades_it(tmp_path):
    """The per-assignment bundle, end to end as Gradescope runs it: setup.sh makes a fresh virtual
    environment and installs the bundle there (torch from pip's configuration here: TORCH_INDEX is
    empty, as this machine has no route to PyTorch's CPU index), then run_autograder grades an a03
    upload that Gradescope unzipped into a folder of its own."""
    root, names = _gradescope_layout(tmp_path, "--assignment", "a03_vectorize", "--visibility", "after_due_date")
    assert {"autograder/test_a03_vectorize.py", "solutions/a03_vectorize.py", "gradescope.json"} <= names
    assert not {n for n in names if n.startswith(("solutions/a0", "autograder/test_a0"))} - {
        "autograder/test_a03_vectorize.py",
        "solutions/a03_vectorize.py",
    }
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "TORCH_INDEX": ""}
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = ":".join(p for p in env["PATH"].split(":") if ".venv" not in p)
    setup = subprocess.run(["bash", "setup.sh"], cwd=root / "source", env=env, capture_output=True, text=True)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    assert "simulated CUDA device:" in setup.stdout and list((root / "cache").rglob("simcuda-*.so"))
    site = root / "venv" / "lib"
    assert not list(site.rglob("test_a03_vectorize.py")) and not list(site.rglob("a03_vectorize.py"))
    assert (root / "source").stat().st_mode & 0o077 == 0  # the suites and solutions: root only
    (root / "submission" / "hw3").mkdir()
    shutil.copy(SOLUTIONS / "a03_vectorize.py", root / "submission" / "hw3" / "a03_vectorize.py")
    subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, check=True, capture_output=True)
    results = json.loads((root / "results" / "results.json").read_text())
    assert _by_assignment(results) == {"a03_vectorize": (40, 40)}
    assert [t["number"] for t in results["tests"][:3]] == ["3.1", "3.2", "3.3"]
    assert {t["visibility"] for t in results["tests"]} == {"after_due_date"}
    assert {t["output_format"] for t in results["tests"]} == {"text"}


def test_gradescope_picks_the_students_file():
    from autograder.harness.commands.gradescope import choose_submission

    with tempfile.TemporaryDirectory() as folder:
        top = Path(folder)
        assert choose_submission(top, "a03_vectorize") == top  # nothing: the grader says what is missing
        (top / "my homework.ipynb").write_text("{}")
        assert choose_submission(top, "a03_vectorize") == top / "my homework.ipynb"  # a lone file, any name
        assert choose_submission(top, None) == top
        (top / "link").symlink_to(SOLUTIONS)  # a link to the reference must never be graded
        assert choose_submission(top, "a03_vectorize") == top / "my homework.ipynb"
        (top / "zip" / "inner").mkdir(parents=True)
        (top / "zip" / "inner" / "a03_vectorize.py").write_text("")
        assert choose_submission(top, "a03_vectorize") == top / "zip" / "inner" / "a03_vectorize.py"
        (top / "a03_vectorize.py").write_text("")
        assert choose_submission(top, "a03_vectorize") == top


def test_require_sandbox_refuses_to_grade_where_a_layer_is_missing(tmp_path):
    """run_autograder grades with --require-sandbox: a container that refuses namespaces gets an
    error result naming what is missing, never grades from unisolated student code."""
    results = tmp_path / "results.json"
    script = (
        "import sys, pytest\n"
        "from autograder.harness.grading import command\nfrom autograder.harness.isolation import sandbox\n"
        "sandbox.layers = lambda: sandbox.Layers(True, False, False, True)  # a container without them\n"
        f"sys.exit(pytest.main(command.pytest_args({str(SOLUTIONS / 'a01_tensors.py')!r}, {str(results)!r}, "
        "'--require-sandbox', assignment='a01_tensors')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert done.returncode != 0
    graded = json.loads(results.read_text())
    assert graded["score"] == 0 and graded["tests"] == []
    assert "a private PID namespace" in graded["output"] and "not final" in graded["output"]


def test_help_answers_without_importing_torch():
    """Every command's --help shows its defaults, and nothing heavy is imported to print it."""
    code = (
        "import sys\nfrom autograder.__main__ import main\n"
        "for command in ('release', 'grade-all', 'gradescope', 'bench'):\n"
        "    try:\n        main([command, '--help'])\n    except SystemExit:\n        pass\n"
        "print('torch imported:', 'torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.rstrip().endswith("torch imported: False")
    assert "(default: 2)" in done.stdout and "(default: visible)" in done.stdout and "--scheduler" in done.stdout


def test_bench_quick_prints_its_table():
    command = [sys.executable, "-m", "autograder", "bench", "--quick"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "round trip: 1 MB tensor" in done.stdout and "worker start" in done.stdout
