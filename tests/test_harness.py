"""The harness under broken submissions: each failure costs only what it touches, and every run
finishes with a complete report."""

import subprocess
import sys
import textwrap

import pytest
from conftest import REPO, SOLUTIONS, grade, with_override


def _folder(tmp_path, **files: str):
    """A submission folder: the reference a01/a02 unless replaced by ``files`` (name -> source)."""
    folder = tmp_path / "submission"
    folder.mkdir()
    for name in ("a01_tensors", "a02_views"):
        source = files.get(name, (SOLUTIONS / f"{name}.py").read_text())
        if source is not None:
            (folder / f"{name}.py").write_text(textwrap.dedent(source))
    return folder


def _assignment_score(graded, assignment):
    tests = [t for t in graded.results["tests"] if t["tags"][0] == assignment]
    return sum(t["score"] for t in tests), sum(t["max_score"] for t in tests), tests


def test_missing_file_costs_that_assignment_only(tmp_path):
    folder = _folder(tmp_path, a02_views=None)
    graded = grade(folder, tmp_path / "r.json")
    got, out_of, _ = _assignment_score(graded, "a01_tensors")
    assert got == out_of > 0
    got, out_of, tests = _assignment_score(graded, "a02_views")
    assert got == 0 < out_of
    assert all("a02_views.py (or a02_views.ipynb) was not found" in t["output"] for t in tests)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("def broken(:\n    pass\n", "SyntaxError"),
        ("import torch\nraise RuntimeError('boom at import')\n", "boom at import"),
        ("import not_a_module_anywhere\n", "ModuleNotFoundError"),
        ("import sys\nsys.exit(3)\n", "SystemExit"),
    ],
)
def test_import_failure_costs_that_assignment_only(tmp_path, source, reason):
    folder = _folder(tmp_path, a01_tensors=source)
    graded = grade(folder, tmp_path / "r.json")
    got, out_of, tests = _assignment_score(graded, "a01_tensors")
    assert got == 0
    assert all("could not be imported" in t["output"] and reason in t["output"] for t in tests)
    got, out_of, _ = _assignment_score(graded, "a02_views")
    assert got == out_of > 0


def test_import_that_kills_the_process_costs_that_assignment_only(tmp_path):
    folder = _folder(tmp_path, a01_tensors="import os\nos._exit(0)\n")
    graded = grade(folder, tmp_path / "r.json")
    assert _assignment_score(graded, "a01_tensors")[0] == 0
    got, out_of, _ = _assignment_score(graded, "a02_views")
    assert got == out_of


CRASHES = {
    "os_exit": "import os\ndef from_list(data, dtype=None):\n    os._exit(7)\n",
    # Recursion through a builtin (map) grows the C stack until it overflows: a segfault, no ctypes.
    "segfault": "import sys\ndef from_list(data, dtype=None):\n    sys.setrecursionlimit(10**8)\n"
    "    def down(n):\n        return list(map(down, [n + 1]))\n    return down(0)\n",
    "sys_exit": "import sys\ndef from_list(data, dtype=None):\n    sys.exit(0)\n",
}


@pytest.mark.parametrize("kind", sorted(CRASHES))
def test_a_crash_in_one_function_costs_that_function_only(tmp_path, kind):
    submission = with_override(tmp_path, "a01_tensors", CRASHES[kind])
    graded = grade(submission, tmp_path / "r.json")
    assert set(graded.failed_functions()) == {"from_list"}
    feedback = graded.tests_of("from_list")[0]["output"]
    assert ("crashed the process" in feedback) or ("SystemExit" in feedback), feedback


def test_an_infinite_loop_is_stopped_and_costs_that_function_only(tmp_path):
    source = "def outer_sum(a, b):\n    while True:\n        pass\n"
    submission = with_override(tmp_path, "a02_views", source)
    graded = grade(submission, tmp_path / "r.json", "--call-timeout", "1.5")
    assert set(graded.failed_functions()) == {"outer_sum"}
    assert "did not finish within 1.5 s" in graded.tests_of("outer_sum")[0]["output"]


def test_a_hang_at_import_is_stopped(tmp_path):
    folder = _folder(tmp_path, a02_views="while True:\n    pass\n")
    graded = grade(folder, tmp_path / "r.json", "--import-timeout", "2")
    got, _, tests = _assignment_score(graded, "a02_views")
    assert got == 0 and all("could not be imported" in t["output"] for t in tests)


def test_student_exception_shows_student_frames_and_prints(tmp_path):
    source = """
    def helper(data):
        print("debugging from_list with", len(data), "rows")
        return data[100]

    def from_list(data, dtype=None):
        return helper(data)
    """
    submission = with_override(tmp_path, "a01_tensors", textwrap.dedent(source))
    graded = grade(submission, tmp_path / "r.json")
    feedback = graded.tests_of("from_list")[0]["output"]
    assert "from_list" in feedback and "IndexError" in feedback
    assert 'File "a01_tensors.py"' in feedback and "in helper" in feedback
    assert "worker.py" not in feedback and "autograder" not in feedback
    assert "Your code printed:" in feedback and "debugging from_list with" in feedback


def test_wrong_values_feedback_names_shape_dtype_and_first_mismatch(tmp_path):
    cases = {
        "def merge_heads(x):\n    return x.reshape(x.shape[0], x.shape[2], -1)\n": "wrong values",
        "def merge_heads(x):\n    return x.transpose(1, 2)\n": "returned shape",
        "def merge_heads(x):\n    b, h, t, d = x.shape\n    return x.transpose(1, 2).reshape(b, t, h * d).double()\n": (
            "returned dtype torch.float64, expected torch.float32"
        ),
    }
    for number, (source, phrase) in enumerate(cases.items()):
        submission = with_override(tmp_path, "a02_views", source, name=f"case{number}")
        graded = grade(submission, tmp_path / f"r{number}.json")
        feedback = next(t["output"] for t in graded.tests_of("merge_heads") if t["status"] != "passed")
        assert phrase in feedback, feedback
        assert feedback.startswith("merge_heads(Tensor float32[")  # the call, described by shape
        assert "tensor(" not in feedback  # never a whole tensor


def test_grade_seed_replays_hidden_inputs(tmp_path):
    submission = with_override(tmp_path, "a02_views", "def outer_sum(a, b):\n    return a[:, None] - b[None, :]\n")
    first = grade(submission, tmp_path / "1.json", "--grade-seed", "123")
    again = grade(submission, tmp_path / "2.json", "--grade-seed", "123")
    other = grade(submission, tmp_path / "3.json", "--grade-seed", "124")
    feedback = [g.tests_of("outer_sum")[0]["output"] for g in (first, again, other)]
    assert feedback[0] == feedback[1] != feedback[2]
    assert "grade seed 123" in first.results["output"]


def test_single_file_is_graded_on_its_own_assignment(tmp_path):
    graded = grade(SOLUTIONS / "a02_views.py", tmp_path / "r.json")
    assert {t["tags"][0] for t in graded.results["tests"]} == {"a02_views"}
    assert graded.score == graded.max_score


def test_unknown_submission_is_a_clear_usage_error(tmp_path):
    missing = subprocess.run(
        [sys.executable, "-m", "pytest", "autograder", "--submission", str(tmp_path / "nope")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 4 and "does not exist" in missing.stderr
    stray = tmp_path / "homework.py"
    stray.write_text("x = 1\n")
    wrong = subprocess.run(
        [sys.executable, "-m", "pytest", "autograder", "--submission", str(stray)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert wrong.returncode == 4 and "not an assignment of this course" in wrong.stderr


def test_results_json_has_gradescope_fields(tmp_path):
    graded = grade(SOLUTIONS, tmp_path / "r.json")
    results = graded.results
    assert {"score", "execution_time", "output", "tests"} <= set(results)
    for test in results["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility", "tags"} <= set(test)
        assert test["status"] in ("passed", "failed")
        assert len(test["tags"]) == 3


def test_an_import_error_is_explained_once_per_assignment(tmp_path):
    """The whole message under the assignment's first test; every other test points to it in one
    line that still names the error."""
    folder = _folder(tmp_path, a01_tensors="def broken(:\n    pass\n")
    graded = grade(folder, tmp_path / "r.json", "-k", "a01")
    outputs = [t["output"] for t in graded.results["tests"] if t["tags"][0] == "a01_tensors"]
    assert sum("def broken(:" in out for out in outputs) == 1
    first = graded.results["tests"][0]["name"].split("::")[-1]
    for out in outputs[1:]:
        assert "\n" not in out and "SyntaxError" in out and f"the whole message is under {first}" in out


def test_a_zygote_that_dies_costs_its_workers_a_clear_failure_and_is_started_again(tmp_path):
    """A suite's zygote is a child of the lean one. When it dies while idle (the OOM killer) or
    cannot import its PRELOAD, a worker asked of it fails as grading feedback, never as an error of
    the harness, and the next worker gets a new zygote. The lean zygote goes on."""
    import os
    import signal
    import time

    from autograder.harness.isolation.remote import GradingFeedback, Worker
    from autograder.harness.isolation.zygotes import zygote_for

    source = tmp_path / "echo.py"
    source.write_text("def echo(x):\n    return x\n")

    def echo_through(preload):
        worker = Worker("echo", source, seed=0, call_timeout=10, memory_bytes=2**33, preload=preload)
        try:
            worker.start()
            return worker.module.echo(3)
        finally:
            worker.close()

    assert echo_through(("json",)) == 3
    os.kill(zygote_for(False, ("json",)).process_id(), signal.SIGKILL)
    time.sleep(0.5)
    outcomes = []
    for _ in range(2):
        try:
            outcomes.append(echo_through(("json",)))
        except GradingFeedback as exc:
            outcomes.append(str(exc))
    assert outcomes[-1] == 3, outcomes
    for _ in range(2):  # the child dies at import, before or after a fork request reaches it
        with pytest.raises(GradingFeedback):
            echo_through(("no_such_module_xyz",))
    assert echo_through(()) == 3


def _run_workers(source, calls: int, name: str = "compiled_once") -> list:
    from autograder.harness.isolation.remote import GradingFeedback, Worker

    results = []
    for _ in range(calls):
        worker = Worker(name, source, seed=0, call_timeout=10, memory_bytes=2**33)
        try:
            worker.start()
            results.append(worker.module.which())
        except GradingFeedback as exc:
            results.append(f"{type(exc).__name__}: {exc}")
        finally:
            worker.close()
    return results


def test_later_workers_run_what_the_first_one_compiled_and_only_from_the_same_bytes(tmp_path):
    """The first worker of a file sends its compiled code before any student code runs; the
    grading process hands it to the next workers of the same name and bytes (at the same path:
    sandboxed, every worker sees the file at the same place)."""
    import marshal

    from autograder.harness.isolation import remote, sandbox
    from autograder.harness.isolation.protocol import screen_key

    source = tmp_path / "compiled_once.py"
    source.write_text("def which():\n    return 'compiled from the file'\n")
    digest = screen_key("compiled_once.py", source.read_bytes())
    assert _run_workers(source, 1) == ["compiled from the file"]
    sandboxed = sandbox.layers().isolated
    if not sandboxed:  # each worker sees its file at a path of its own: nothing is kept, each compiles
        assert digest not in remote._COMPILED
        path = str(tmp_path / "elsewhere" / "compiled_once.py")
    else:
        path, codes = marshal.loads(remote._COMPILED[digest])
        assert len(codes) == 1
    # What the next worker loads is what the grading process kept: swap it for other code to see.
    other = compile("def which():\n    return 'loaded'\n", path, "exec")
    remote._COMPILED[digest] = marshal.dumps((path, [other]))
    assert _run_workers(source, 2) == ["loaded" if sandboxed else "compiled from the file"] * 2
    source.write_text("def which():\n    return 'new bytes'\n")  # other bytes: compiled again
    assert _run_workers(source, 1) == ["new bytes"]


def test_student_code_is_compiled_as_python_would_not_with_the_graders_future_flags(tmp_path):
    """The worker's own module has ``from __future__ import annotations``; compile() would pass that
    on, and the student's annotations would become strings: a file Python refuses would import."""
    source = tmp_path / "plain_annotations.py"
    source.write_text(
        "def f(x: int) -> int:\n    return x\n\n\ndef which():\n    return type(f.__annotations__['x']).__name__\n"
    )
    assert _run_workers(source, 2, "plain_annotations") == ["type", "type"]  # compiled, then loaded
    broken = tmp_path / "undefined_annotation.py"
    broken.write_text("def which(x: Undefined) -> str:\n    return 'imported'\n")
    (got,) = _run_workers(broken, 1, "undefined_annotation")
    assert got.startswith("AssignmentUnavailable") and "NameError" in got and "Undefined" in got


_PLOTS = """
import sys

PRELOADED = "matplotlib.pyplot" in sys.modules
import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager


def which():
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [3, 1, 2])
    ax.set_title("loss per epoch")
    fig.savefig("loss.png")
    plt.show()
    font = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    with open("loss.png", "rb") as f:
        png = f.read(8) == b"\\x89PNG\\r\\n\\x1a\\n"
    return PRELOADED, matplotlib.get_backend(), font.startswith(matplotlib.get_data_path()), png
"""


def test_a_submission_that_plots_is_forked_with_matplotlib_already_imported(tmp_path):
    """libraries.py: a worker of a file that names matplotlib comes from a zygote that imported it
    (a sandboxed worker would build its font list again: ~0.6 s each). It plots and saves as one that
    imported matplotlib itself: the same backend, the same default font (one matplotlib ships), a PNG
    written. A file that does not name it comes from the zygote without it."""
    pytest.importorskip("matplotlib")
    from autograder.harness.isolation import libraries
    from autograder.harness.isolation.remote import Worker

    assert libraries.preload_for(b"import matplotlib.pyplot as plt") == (libraries.LOADER,)
    assert libraries.preload_for(b"import torch") == ()
    hidden = (  # the same code, never naming the library
        _PLOTS.replace('"matplotlib.pyplot" in', 'LIB + ".pyplot" in')
        .replace("import sys\n", 'import sys\n\nLIB = "matplot" + "lib"\n')
        .replace(
            "import matplotlib\nimport matplotlib.pyplot as plt\nfrom matplotlib import font_manager",
            "mpl = __import__(LIB + '.pyplot').pyplot\nplt, font_manager = mpl, __import__(LIB).font_manager",
        )
        .replace("matplotlib.get_", "__import__(LIB).get_")
    )
    assert "matplotlib" not in hidden
    got = {}
    for name, source in (("plots_named", _PLOTS), ("plots_hidden", hidden)):
        (tmp_path / f"{name}.py").write_text(source)
        worker = Worker(name, tmp_path / f"{name}.py", seed=0, call_timeout=60, memory_bytes=2**33, screen=False)
        try:
            worker.start()
            got[name] = worker.module.which()
        finally:
            worker.close()
    from autograder.harness.isolation import sandbox

    assert got["plots_named"] == (True, "agg", True, True)
    # Outside the sandbox a worker that imports matplotlib itself may pick one of the machine's fonts.
    bundled = True if sandbox.layers().isolated else got["plots_hidden"][2]
    assert got["plots_hidden"] == (False, "agg", bundled, True)


def test_a_notebook_cell_that_does_not_compile_is_noted_in_every_worker(tmp_path):
    import json

    from autograder.harness.isolation.remote import Worker

    cells = ["def which():\n    return 'cell 1'\n", "def broken(:\n", "x = 1\n"]
    code_cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    notebook = {
        "cells": [{**code_cell, "source": c} for c in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    source = tmp_path / "nb_compiled.ipynb"
    source.write_text(json.dumps(notebook))
    notes = []
    for _ in range(3):
        worker = Worker("nb_compiled", source, seed=0, call_timeout=10, memory_bytes=2**33)
        try:
            worker.start()
            assert worker.module.which() == "cell 1"
            notes.append(worker.notes)
        finally:
            worker.close()
    assert len(notes[0]) == 1 and "SyntaxError" in notes[0][0] and notes[0] == notes[1] == notes[2]
