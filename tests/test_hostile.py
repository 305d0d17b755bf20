"""Hostile and careless submissions: none can raise its score, read the hidden material, hurt the
grader or other students, or keep the run from finishing with a complete, small report."""

import json
import os
import textwrap

import pytest
import torch
from conftest import REPO, SOLUTIONS, grade, with_override

from autograder.harness.isolation import sandbox
from autograder.harness.isolation.remote import Worker

root_only = pytest.mark.skipif(not sandbox.layers().isolated, reason="isolation needs root (CI and Gradescope have it)")

WRONG_OUTER_SUM = "def outer_sum(a, b):\n    return a[None, :] + b[:, None] * 0\n"


def _score_of(graded, function):
    tests = graded.tests_of(function)
    return sum(t["score"] for t in tests), sum(t["max_score"] for t in tests)


@pytest.mark.parametrize(
    "patch",
    [
        "torch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a, **k: True",
        "torch.Tensor.__eq__ = lambda self, other: torch.ones((), dtype=torch.bool)",
        "import numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None",
        "import pytest, _pytest.runner\n"
        "_pytest.runner.call_and_report = lambda *a, **k: None\npytest.fail = lambda *a, **k: None",
    ],
    ids=["allclose", "tensor_eq", "numpy_testing", "pytest"],
)
def test_patching_libraries_in_the_worker_changes_nothing(tmp_path, patch):
    graded = grade(with_override(tmp_path, "a02_views", f"{patch}\n\n{WRONG_OUTER_SUM}"), tmp_path / "r.json")
    got, _ = _score_of(graded, "outer_sum")
    honest = grade(with_override(tmp_path, "a02_views", WRONG_OUTER_SUM, name="honest"), tmp_path / "h.json")
    if "was not run" in graded.tests_of("outer_sum")[0]["output"]:  # patching internals: the screen refuses it
        assert graded.score == 0
    else:
        assert got == _score_of(honest, "outer_sum")[0]
        assert set(graded.failed_functions()) == {"outer_sum"}


def test_lying_values_are_judged_as_plain_data(tmp_path):
    source = """
    class Liar(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            return True  # every comparison "succeeds"

    class AlwaysEqual(dict):
        def __eq__(self, other):
            return True

    def outer_sum(a, b):
        return torch.zeros(len(a), len(b)).as_subclass(Liar)

    def chunk_rows(t, size):
        return AlwaysEqual()
    """
    graded = grade(with_override(tmp_path, "a02_views", textwrap.dedent(source)), tmp_path / "r.json")
    assert set(graded.failed_functions()) == {"outer_sum", "chunk_rows"}


def test_a_forged_results_file_is_overwritten(tmp_path):
    results = tmp_path / "results.json"
    forged = json.dumps({"score": 1000, "tests": []})
    source = f"""
    try:
        open({str(results)!r}, "w").write({forged!r})
    except OSError:
        pass
    """
    graded = grade(with_override(tmp_path, "a02_views", textwrap.dedent(source) + WRONG_OUTER_SUM), results)
    assert graded.score < graded.max_score and graded.score != 1000


def test_floods_of_output_keep_the_report_small(tmp_path):
    source = "def outer_sum(a, b):\n    print('x' * 1_000_000 * 50)\n    return a\n"
    graded = grade(with_override(tmp_path, "a02_views", source), tmp_path / "r.json")
    assert (tmp_path / "r.json").stat().st_size < 2_000_000
    assert "Your code printed:" in graded.tests_of("outer_sum")[0]["output"]


def test_a_memory_blow_up_costs_that_test_only(tmp_path):
    source = "def outer_sum(a, b):\n    return torch.ones(6 * 2**30, dtype=torch.uint8)\n"
    graded = grade(with_override(tmp_path, "a02_views", source), tmp_path / "r.json", "--worker-memory-mb", "2048")
    assert set(graded.failed_functions()) == {"outer_sum"}


def test_threads_left_running_do_not_hold_the_run(tmp_path):
    """(The screen refuses ``import threading`` in submissions; the sandbox must cope without it.)"""
    source = tmp_path / "threads.py"
    source.write_text(
        textwrap.dedent(
            """
            import threading, time

            def outer_sum(a, b):
                threading.Thread(target=lambda: time.sleep(3600)).start()  # not a daemon
                return a[:, None] + b[None, :]
            """
        )
    )
    worker = Worker("threads", source, seed=0, call_timeout=30, memory_bytes=2**33, screen=False)
    try:
        assert worker.module.outer_sum(torch.ones(2), torch.ones(3)).shape == (2, 3)
    finally:
        worker.close()
    again = Worker("threads", source, seed=0, call_timeout=30, memory_bytes=2**33, screen=False)
    try:
        assert again.module.outer_sum(torch.ones(1), torch.ones(1)).shape == (1, 1)
    finally:
        again.close()


@pytest.fixture
def probe(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text(
        textwrap.dedent(
            """
            import os, signal

            def uid():
                return os.getuid()

            def can_read(path):
                try:
                    return len(open(path).read()) > 0
                except OSError:
                    return False

            def kill(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                    return "killed"
                except OSError as exc:
                    return type(exc).__name__

            def connect(port):
                import socket
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=2).close()
                    return "connected"
                except OSError as exc:
                    return type(exc).__name__

            def fork_bomb():
                children = 0
                try:
                    while True:
                        if os.fork() == 0:
                            os.setsid()  # try to escape the process group
                            signal.pause()
                        children += 1
                except OSError:
                    return children
            """
        )
    )
    worker = Worker("probe", source, seed=0, call_timeout=30, memory_bytes=2**33, screen=False)  # the sandbox alone
    worker.start()
    yield worker.module
    worker.close()


@root_only
def test_workers_cannot_read_hidden_material(probe):
    assert probe.uid() not in (0, os.getuid())
    assert not probe.can_read(str(SOLUTIONS / "a01_tensors.py"))
    assert not probe.can_read(str(REPO / "autograder" / "test_a01_tensors.py"))
    assert probe.can_read(torch.__file__)  # the environment stays usable


@root_only
def test_workers_cannot_signal_the_grader(probe):
    """The grader is not even visible from the worker's PID namespace."""
    assert probe.kill(os.getpid()) in ("PermissionError", "ProcessLookupError")


@root_only
def test_workers_have_no_network(probe):
    import socket

    server = socket.create_server(("127.0.0.1", 0))
    try:
        assert probe.connect(server.getsockname()[1]) != "connected"
    finally:
        server.close()


@root_only
def test_a_fork_bomb_is_capped_and_cleaned_up(probe):
    children = probe.fork_bomb()
    assert 0 < children <= sandbox.MAX_PROCESSES


def test_the_report_says_what_is_not_enforced(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "pytest", "autograder", "--submission", str(SOLUTIONS / "a02_views.py"), "-k", "outer"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    expected = "each worker runs as a uid of its own" if sandbox.layers().isolated else "not enforced here"
    assert expected in done.stdout


def test_warnings_neither_fail_a_test_nor_vanish(tmp_path):
    source = textwrap.dedent(
        """
        import warnings

        def outer_sum(a, b):
            warnings.warn("outer_sum: this is a UserWarning from the student's code")
            return a[:, None] + b[None, :]
        """
    )
    graded = grade(with_override(tmp_path, "a02_views", source), tmp_path / "r.json")
    assert graded.score == graded.max_score
    assert any("UserWarning" in t["output"] for t in graded.tests_of("outer_sum"))
