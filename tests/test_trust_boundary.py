"""The trust boundary, attacked class by class: nothing a submission contains runs where scores are
decided, and a worker sees an allowlist of files, nothing of the grader, and no other process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
import torch
from conftest import REPO, SOLUTIONS, grade, grade_cli, with_override

from autograder.harness.commands import batch
from autograder.harness.grading import command
from autograder.harness.grading.vectorised import expect_not_calling, expect_vectorised
from autograder.harness.isolation import sandbox
from autograder.harness.isolation.remote import GradingFeedback, Worker

root_only = pytest.mark.skipif(not sandbox.layers().isolated, reason="isolation needs root (CI and Gradescope have it)")


def _forging_submission(folder: Path, marker: Path) -> Path:
    """An untouched a01 stub beside files pytest would read if it ever looked at the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "assignments" / "a01_tensors.py", folder / "a01_tensors.py")
    forge = f"""
    import pathlib
    pathlib.Path({str(marker)!r}).write_text("loaded")
    import autograder.harness.grading.plugin as plugin

    def pytest_collection_finish(session):
        for info in session.config.stash[plugin.RUN].tests:
            info.points = 1000.0

    import pytest

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(item, call):
        report = yield
        report.outcome = "passed"
        return report
    """
    (folder / "conftest.py").write_text(textwrap.dedent(forge))
    (folder / "pytest.ini").write_text("[pytest]\naddopts = -p evil_plugin\npythonpath = .\n")
    (folder / "evil_plugin.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('plugin')\n")
    (folder / "sitecustomize.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('site')\n")
    (folder / "__init__.py").write_text(f"import pathlib\npathlib.Path({str(marker)!r}).write_text('init')\n")
    return folder


def test_a_conftest_or_pytest_ini_in_the_submission_is_never_read(tmp_path):
    """``pytest autograder --submission DIR`` as a TA types it (space, not ``=``), in a new process."""
    marker = tmp_path / "forged"
    folder = _forging_submission(tmp_path / "mallory", marker)
    graded = grade_cli(folder, tmp_path / "r.json", "-k", "a01")
    assert not marker.exists(), marker.read_text()
    a01 = [t for t in graded.results["tests"] if t["tags"][0] == "a01_tensors"]
    assert a01 and all(t["score"] == 0 for t in a01) and all(t["max_score"] < 10 for t in a01)


def test_settings_read_from_the_submission_stop_the_run(tmp_path):
    """With the submission first on the command line, pytest would take its pytest.ini: refused."""
    marker = tmp_path / "forged"
    folder = _forging_submission(tmp_path / "mallory", marker)
    (folder / "pytest.ini").write_text("[pytest]\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--submission", str(folder), "autograder"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "from the submission" in done.stdout + done.stderr
    assert not marker.exists()


def test_an_attacker_before_an_honest_student_in_one_warm_process(tmp_path):
    """grade-all's warm grading process: the attacker earns nothing, the next student everything."""
    marker = tmp_path / "forged"
    attacker = _forging_submission(tmp_path / "mallory", marker)
    honest = tmp_path / "ada"
    honest.mkdir()
    shutil.copy(SOLUTIONS / "a01_tensors.py", honest / "a01_tensors.py")
    pool = batch.GradingPool(jobs=1)
    try:
        scores = {}
        for folder in (attacker, honest):
            results = tmp_path / f"{folder.name}.json"
            args = command.pytest_args(folder / "a01_tensors.py", results, "--grade-seed", "3")
            pool.grade(args, tmp_path / f"{folder.name}.log", timeout=300)
            scores[folder.name] = json.loads(results.read_text())["score"]
    finally:
        pool.close()
    assert scores == {"mallory": 0, "ada": 35}
    assert not marker.exists()


@pytest.mark.parametrize("target", ["solution", "secret"])
def test_a_symbolic_link_is_refused_and_costs_that_file_only(tmp_path, target):
    secret = tmp_path / "secret.py"
    secret.write_text("TOKEN = 'do-not-show-this'\n")
    secret.chmod(0o600)
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "a01_tensors.py").symlink_to(SOLUTIONS / "a01_tensors.py" if target == "solution" else secret)
    shutil.copy(SOLUTIONS / "a02_views.py", folder / "a02_views.py")
    graded = grade(folder, tmp_path / "r.json", "-k", "a01 or a02")
    a01 = [t for t in graded.results["tests"] if t["tags"][0] == "a01_tensors"]
    a02 = [t for t in graded.results["tests"] if t["tags"][0] == "a02_views"]
    assert all(t["score"] == 0 for t in a01)
    assert "a01_tensors.py is a symbolic link: submit the file itself" in a01[0]["output"]
    assert all(t["status"] == "passed" for t in a02)
    assert "do-not-show-this" not in json.dumps(graded.results)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    os.mkfifo(folder / "a01_tensors.py")
    graded = grade(folder, tmp_path / "r.json", "-k", "a01")
    assert "is not a regular file" in graded.results["tests"][0]["output"]


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("def outer_sum(a, b):\n    return torch.zeros(1).expand(2**33)\n", "8589934592 elements"),
        ("def outer_sum(a, b):\n    return torch.eye(3).to_sparse()\n", "sparse tensor"),
        ("def outer_sum(a, b):\n    return torch.empty(2**40, device='meta')\n", "meta"),
        (
            "def outer_sum(a, b):\n    return torch.quantize_per_tensor(torch.ones(3), 0.1, 0, torch.qint8)\n",
            "quantized",
        ),
        (
            "def outer_sum(a, b):\n    return torch.nested.nested_tensor([torch.ones(2), torch.ones(3)])\n",
            "nested",
        ),
    ],
    ids=["expanded_giant", "sparse", "meta", "quantized", "nested"],
)
def test_hostile_values_are_judged_in_bounded_time_with_a_clear_message(tmp_path, source, says):
    start = time.perf_counter()
    graded = grade(with_override(tmp_path, "a02_views", source), tmp_path / "r.json", "-k", "outer_sum")
    assert time.perf_counter() - start < 60  # was minutes for the giant; bounded whatever its size
    failed = [t for t in graded.tests_of("outer_sum") if t["status"] != "passed"]
    assert failed
    for test in failed:
        assert says in test["output"] and "internal error" not in test["output"]


PROBE = """
import os, sys, subprocess, time

def facts():
    readable = {}
    for path in PATHS:
        try:
            with open(path, "rb") as f:
                f.read(1)
            readable[path] = True
        except OSError:
            readable[path] = False
    try:
        import autograder.scenarios  # noqa: F401
        trusted = "importable"
    except ImportError:
        trusted = "hidden"
    return {
        "uid": os.getuid(),
        "pid": os.getpid(),
        "proc": os.path.exists("/proc/self"),
        "environment": sorted(os.environ),
        "readable": readable,
        "trusted": trusted,
        "top": sorted(os.listdir("/")),
        "tmp": sorted(os.listdir("/tmp")),
    }

def leave_a_daemon():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(3600)
        os._exit(0)
    return os.getuid()

def write_tmp(name):
    with open(os.path.join("/tmp", name), "w") as f:
        f.write("left behind")
    return sorted(os.listdir("/tmp"))
"""


@pytest.fixture
def probe(tmp_path):
    marker = tempfile.NamedTemporaryFile(prefix="host-marker-", dir="/tmp")  # closed at the end
    secret_checkout = tmp_path / "other-checkout"
    (secret_checkout / ".git").mkdir(parents=True)
    (secret_checkout / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    paths = [
        str(SOLUTIONS / "a01_tensors.py"),
        str(REPO / ".git" / "HEAD"),
        str(REPO / "autograder" / "test_a01_tensors.py"),
        str(REPO / "tests" / "conftest.py"),
        str(secret_checkout / ".git" / "HEAD"),
        "/etc/passwd",
        "/root/.bashrc",
    ]
    source = tmp_path / "probe.py"
    source.write_text(f"PATHS = {paths!r}\n{PROBE}")
    opened = Worker("probe", source, seed=0, call_timeout=30, memory_bytes=2**33, screen=False)  # the sandbox alone
    opened.start()
    yield opened
    opened.close()
    marker.close()


@root_only
def test_a_worker_sees_an_allowlist_and_nothing_of_the_grader(probe, monkeypatch):
    facts = probe.module.facts()
    assert not any(facts["readable"].values()), facts["readable"]
    assert facts["trusted"] == "hidden"
    assert facts["pid"] == 1 and not facts["proc"]  # its own PID namespace, and no /proc at all
    allowed = set(sandbox.ENVIRONMENT) | {"HOME", "TMPDIR", "XDG_CACHE_HOME"} | set(sandbox.PASSED_THROUGH)
    assert set(facts["environment"]) <= allowed
    assert not any(name.startswith("host-marker-") for name in facts["tmp"])  # the host's /tmp is not there
    assert "home" in facts["top"] and "root" in facts["top"]  # the interpreter's parents only


@root_only
def test_tmp_is_private_to_each_worker(tmp_path, probe):
    assert "conftest.py" in probe.module.write_tmp("conftest.py")
    again = Worker("probe", tmp_path / "probe.py", seed=0, call_timeout=30, memory_bytes=2**33, screen=False)
    try:
        listed = again.module.write_tmp("other")
        assert "other" in listed and "conftest.py" not in listed
    finally:
        again.close()
    assert not Path("/tmp/conftest.py").exists() and not Path("/tmp/other").exists()


def test_paths_under_a_workers_private_tmp_are_bound_by_each_worker_not_the_zygote():
    hidden = ("/usr/autograder", "/tmp/ci/.venv/autograder")
    plan = sandbox.Plan("/m", ("/usr", "/tmp/ci/.venv", "/dev/shm/x"), (), hidden, "/u")
    assert plan.shared == (("/usr",), ("/usr/autograder",))
    assert plan.own == (("/tmp/ci/.venv", "/dev/shm/x"), ("/tmp/ci/.venv/autograder",))


@root_only
def test_a_worker_root_is_the_shared_template_plus_its_own_tmp_and_folder(tmp_path):
    """The zygote's template and a worker's part of the root, mounted for real in a child process
    (as a zygote, then as a worker): an allowed folder under /tmp (a checkout's .venv) is there,
    read-only, on the worker's own tmpfs; nothing can be created in the shared part."""
    allowed = Path(tempfile.mkdtemp(dir="/tmp"))
    (allowed / "lib.py").write_text("X = 1\n")
    (allowed / "autograder").mkdir()
    (allowed / "autograder" / "secret.py").write_text("SECRET = 1\n")
    scratch, top = tmp_path / "scratch", tmp_path / "root"
    scratch.mkdir()
    top.mkdir()
    (scratch / "submission.py").write_text("pass\n")
    plan = sandbox.Plan(str(top), ("/usr", str(allowed)), (), (str(allowed / "autograder"),), str(tmp_path))
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child, reports through the pipe
        report = {}
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            assert libc.unshare(sandbox._CLONE_NEWNS) == 0
            sandbox._build_template(libc, plan)
            assert libc.unshare(sandbox._CLONE_NEWNS) == 0  # a worker's copy
            sandbox._finish_root(libc, plan, str(scratch), 40999)
            new = str(top)
            report["venv"] = Path(new + str(allowed) + "/lib.py").read_text()
            report["hidden"] = os.listdir(new + str(allowed / "autograder"))
            report["work"] = os.listdir(new + sandbox.WORK)
            report["owner"] = os.stat(new + sandbox.WORK + "/submission.py").st_uid
            for name, path in (("top", "/made"), ("usr", "/usr/made"), ("venv", str(allowed) + "/made")):
                try:
                    open(new + path, "w").close()
                    report[f"write {name}"] = "written"
                except OSError as exc:
                    report[f"write {name}"] = exc.strerror
            Path(new + "/tmp/own").write_text("mine")
            report["tmp"] = sorted(os.listdir(new + "/tmp"))
        except BaseException as exc:  # noqa: BLE001
            report["error"] = repr(exc)
        os.write(write, json.dumps(report).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        report = json.loads(answer.read())
    os.waitpid(child, 0)
    shutil.rmtree(allowed)
    assert report.get("error") is None, report
    assert report["venv"] == "X = 1\n" and report["hidden"] == []  # the course package covered
    assert report["work"] == ["submission.py"] and report["owner"] == 40999  # a copy, the worker's
    assert report["write top"] == report["write usr"] == report["write venv"] == "Read-only file system"
    assert report["tmp"] == sorted([allowed.name, "own"])  # its own tmpfs: the host's /tmp is not there
    assert not (top / "made").exists() and not list(top.iterdir())  # nothing reached the host


@root_only
def test_a_daemon_dies_with_its_worker(probe):
    uid = probe.module.leave_a_daemon()
    probe.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        alive = [e.name for e in os.scandir("/proc") if e.name.isdigit() and _running_as(e.path, uid)]
        if not alive:
            break
        time.sleep(0.05)
    assert not alive


def _running_as(path: str, uid: int) -> bool:
    """A process of ``uid`` that still runs (a zombie waiting for the zygote to reap it does not)."""
    try:
        state = Path(path, "stat").read_text().rsplit(")", 1)[1].split()[0]
        return os.stat(path).st_uid == uid and state != "Z"
    except (OSError, IndexError):
        return False


@root_only
def test_live_workers_never_share_a_uid():
    folder = sandbox.make_plan().uid_locks
    claims = [sandbox.claim_uid(folder) for _ in range(50)]
    try:
        assert len({uid for uid, _ in claims}) == 50
    finally:
        for _, lock in claims:
            os.close(lock)


def test_the_worker_seed_does_not_reveal_the_grader_seed(tmp_path):
    source = tmp_path / "seeds.py"
    source.write_text("import torch\n\ndef seed():\n    return torch.initial_seed()\n")
    graded_seed = 12345
    opened = Worker("seeds", source, seed=graded_seed, call_timeout=30, memory_bytes=2**33)
    try:
        assert opened.module.seed() == graded_seed  # the worker gets what it is given...
    finally:
        opened.close()
    from autograder.harness.grading.plugin import GradingRun

    run = GradingRun.__new__(GradingRun)
    run.seed = 7
    assert run.worker_seed("t") != run.test_seed("t")  # ...and the plugin gives it a one-way hash


@pytest.mark.parametrize(
    "hide",
    [
        "from torch.utils._python_dispatch import _disable_current_modes as hide",
        "from torch._C import _DisableTorchDispatch as hide",
        "import torch.utils._python_dispatch as d\n"
        "import contextlib\n\n"
        "@contextlib.contextmanager\n"
        "def hide():\n"
        "    modes = [d._pop_mode() for _ in range(d._len_torch_dispatch_stack())]\n"
        "    try:\n"
        "        yield\n"
        "    finally:\n"
        "        for mode in reversed(modes):\n"
        "            d._push_mode(mode)",
        "import torch\n\ndef hide():\n"
        "    return torch._C._ExcludeDispatchKeyGuard(torch._C.DispatchKeySet(torch._C.DispatchKey.Python))",
    ],
    ids=["disable_current_modes", "DisableTorchDispatch", "pop_and_push_back", "exclude_python_key"],
)
def test_the_op_counter_cannot_be_switched_off(tmp_path, hide):
    """Loops and banned calls hidden from the counter lose the points they would have lost anyway.

    Graded for real, the static screen refuses these files outright (they import private modules);
    here the screen is off, to show the counter's own guard holds behind it."""
    source = tmp_path / "hider.py"
    source.write_text(
        f"""import torch
{hide}


def softmax(x, dim=-1):
    with hide():
        return torch.softmax(x, dim)


def pairwise_sq_dists(x, y):
    with hide():
        return torch.stack([torch.stack([((a - b) ** 2).sum() for b in y]) for a in x])
"""
    )
    worker = Worker("hider", source, seed=0, call_timeout=60, memory_bytes=2**33, screen=False)
    try:
        x = torch.randn(3, 4)
        with pytest.raises(GradingFeedback, match="earns no points"):
            expect_not_calling(worker.module.softmax, (x,), {"aten._softmax": "torch.softmax"})
        with pytest.raises(GradingFeedback, match="earns no points"):
            expect_vectorised(worker.module.pairwise_sq_dists, (x, x), (torch.randn(12, 4),) * 2, max_ops=30)
    finally:
        worker.close()
    graded = grade(with_override(tmp_path, "a03_vectorize", source.read_text()), tmp_path / "r.json", "-k", "softmax")
    assert graded.score == 0 and "was not run" in graded.tests_of("softmax")[0]["output"]


def test_caching_by_tensor_identity_gains_nothing_in_timing(tmp_path):
    """A Python loop over ``.tolist()`` values dispatches few ops; only the clock catches it, and the
    timed calls get fresh copies of their inputs: a cache keyed on id() never hits."""
    source = """
_cache = {}


def pairwise_sq_dists(x, y):
    key = (id(x), id(y))
    if key not in _cache:
        xs, ys = x.tolist(), y.tolist()
        rows = [[sum((a - b) ** 2 for a, b in zip(p, q)) for q in ys] for p in xs]
        _cache[key] = torch.tensor(rows, dtype=x.dtype, device=x.device)
    return _cache[key]
"""
    graded = grade(with_override(tmp_path, "a03_vectorize", source), tmp_path / "r.json", "-k", "pairwise")
    failed = graded.failed_functions()
    assert (
        set(failed) == {"pairwise_sq_dists"}
        and "a03_vectorize::test_pairwise_sq_dists_vectorised" in failed["pairwise_sq_dists"]
    )
    # (its device test may fail as well: the cache hands back the CPU result for the same values on the device)


def test_work_moved_to_a_thread_or_a_process_is_not_counted_as_nothing(tmp_path):
    """Dispatch modes are per thread: a loop run in another thread (or process) would dispatch no
    counted op. Starting one while a call is counted refuses the count (screen off, as above)."""
    source = tmp_path / "elsewhere.py"
    source.write_text(
        """import threading, os
import torch


def in_a_thread(x):
    out = []
    worker = threading.Thread(target=lambda: out.append(torch.stack([row * 2 for row in x])))
    worker.start()
    worker.join()
    return out[0]


def in_a_process(x):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return x * 2
"""
    )
    worker = Worker("elsewhere", source, seed=0, call_timeout=60, memory_bytes=2**33, screen=False)
    try:
        for name in ("in_a_thread", "in_a_process"):
            with pytest.raises(GradingFeedback, match="is not counted"):
                worker.module.__getattr__(name).count_ops(torch.randn(4, 3))
    finally:
        worker.close()


def test_caching_by_value_gains_nothing_in_timing(tmp_path):
    """Each timed call's floating inputs differ slightly from every other's: a cache keyed on the
    values (not only on identity) never hits either."""
    source = """
_cache = {}


def pairwise_sq_dists(x, y):
    key = (tuple(x.shape), float(x.sum()), float((x * x).sum()), float(y.sum()))
    if key not in _cache:
        xs, ys = x.tolist(), y.tolist()
        rows = [[sum((a - b) ** 2 for a, b in zip(p, q)) for q in ys] for p in xs]
        _cache[key] = torch.tensor(rows, dtype=x.dtype, device=x.device)
    return _cache[key]
"""
    graded = grade(with_override(tmp_path, "a03_vectorize", source), tmp_path / "r.json", "-k", "pairwise")
    failed = graded.failed_functions()
    assert (
        set(failed) == {"pairwise_sq_dists"}
        and "a03_vectorize::test_pairwise_sq_dists_vectorised" in failed["pairwise_sq_dists"]
    )
    # (its device test may fail as well: the cache hands back the CPU result for the same values on the device)


@root_only
def test_every_installed_copy_of_the_course_package_is_covered(tmp_path, monkeypatch):
    """Gradescope's setup installs the package (suites included) into site-packages, then grades
    from source: the plan covers both copies, not only the one this process imported."""
    import site

    installed = tmp_path / "site-packages"
    (installed / "autograder").mkdir(parents=True)
    (installed / "autograder" / "test_a01_tensors.py").write_text("SECRET = 1\n")
    monkeypatch.setattr(site, "getsitepackages", lambda: [str(installed)])
    plan = sandbox.make_plan()
    assert str(installed) in plan.read_only
    assert str(installed / "autograder") in plan.hidden
    assert str(REPO / "autograder") not in plan.read_only


def test_student_code_cannot_plant_compiled_code_for_later_workers(tmp_path):
    """Code the grading process keeps for later workers comes only from a worker's first message,
    sent before any student code runs there. A submission that writes a forged one on the grader's
    channel at import (in the first worker, and in later ones that loaded the kept code) plants
    nothing: every later worker still runs what the file says."""
    import marshal
    import types

    from autograder.harness.isolation import remote, sandbox, wire
    from autograder.harness.isolation.protocol import COMPILED, screen_key

    path = f"{sandbox.WORK}/forger.py" if sandbox.layers().isolated else "/elsewhere/forger.py"
    evil = compile("def which():\n    return 'forged'\n", path, "exec")
    forged = wire.dumps({COMPILED: marshal.dumps((path, [evil]))})
    source = tmp_path / "forger.py"
    source.write_text(
        f"FORGED = {forged!r}\n"
        "for fd in range(3, 12):  # the grader's channel is one of them (past the static screen)\n"
        "    try:\n"
        "        open(fd, 'wb', buffering=0, closefd=False).write(len(FORGED).to_bytes(4, 'big') + FORGED)\n"
        "    except OSError:\n"
        "        pass\n"
        "def which():\n"
        "    return 'from the file'\n"
    )
    from test_harness import _run_workers

    outcomes = _run_workers(source, 3, name="forger")
    assert "forged" not in outcomes, outcomes
    _, codes = marshal.loads(remote._COMPILED[screen_key("forger.py", source.read_bytes())])
    which = [c for c in codes[0].co_consts if isinstance(c, types.CodeType) and c.co_name == "which"]
    assert len(which) == 1 and "from the file" in which[0].co_consts and "forged" not in which[0].co_consts


KEYRINGS = """
import ctypes, platform

CALLS = {"x86_64": (248, 250), "aarch64": (217, 219)}[platform.machine()]

def leave_a_key(message):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    add_key, keyctl = CALLS
    ring = libc.syscall(keyctl, 1, b"course-drop")  # KEYCTL_JOIN_SESSION_KEYRING: a named keyring
    ring_errno = ctypes.get_errno()
    data = message.encode()
    key = libc.syscall(add_key, b"user", b"note", data, ctypes.c_size_t(len(data)), ctypes.c_int32(-4))  # into @u
    return ring, ring_errno, key, ctypes.get_errno(), libc.getuid() > 0

def find_a_key():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    _, keyctl = CALLS
    return libc.syscall(keyctl, 10, ctypes.c_int32(-4), b"user", b"note", 0)  # KEYCTL_SEARCH in @u
"""


@root_only
@pytest.mark.skipif(os.uname().machine not in ("x86_64", "aarch64"), reason="the filter knows these two")
def test_workers_cannot_reach_the_kernels_keyrings(tmp_path):
    """Keyrings belong to no namespace: a key left there would outlive the worker and reach a later
    one, another student's included. A seccomp filter refuses the calls (EPERM); others still work."""
    import errno

    source = tmp_path / "keys.py"
    source.write_text(KEYRINGS)
    first = Worker("keys", source, seed=0, call_timeout=30, memory_bytes=2**33, screen=False)  # the sandbox alone
    try:
        ring, ring_errno, key, key_errno, other_calls_work = first.module.leave_a_key("for a later worker")
    finally:
        first.close()
    assert (ring, ring_errno, key, key_errno) == (-1, errno.EPERM, -1, errno.EPERM) and other_calls_work
    later = Worker("keys", source, seed=0, call_timeout=30, memory_bytes=2**33, screen=False)
    try:
        assert later.module.find_a_key() == -1
    finally:
        later.close()
    assert sandbox.layers().no_keyrings and "keyrings" in sandbox.enforced()


@root_only
def test_a_worker_cannot_fill_the_machines_disk(tmp_path):
    """Its home folder is a capped tmpfs holding a copy of the submission, not the grader's scratch
    folder on disk: past the cap, writes fail there, and nothing reaches the scratch folder."""
    source = tmp_path / "filler.py"
    source.write_text(
        "def fill():\n"
        "    written = 0\n"
        "    block = bytes(2**20)\n"
        "    for n in range(3):\n"
        "        try:\n"
        "            with open(f'big{n}', 'wb') as f:\n"
        "                for _ in range(200):\n"
        "                    f.write(block)\n"
        "                    written += 1\n"
        "        except OSError as exc:\n"
        "            return written, exc.strerror\n"
        "    return written, None\n"
    )
    worker = Worker("filler", source, seed=0, call_timeout=30, memory_bytes=2**33)
    try:
        written, error = worker.module.fill()
        scratch = list(worker._scratch.iterdir())
    finally:
        worker.close()
    assert error == "No space left on device" and written <= 256, (written, error)
    assert sorted(p.name for p in scratch) == ["filler.py"]  # the grader's copy only
