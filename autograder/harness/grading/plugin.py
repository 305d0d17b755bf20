"""The pytest plugin that turns the hidden suites into grades.

``pytest autograder [--submission PATH] [--results results.json] [--grade-seed N]``

- A hidden suite is a module ``test_aNN_topic.py`` with ``ASSIGNMENT = "aNN_topic"`` and
  ``FUNCTIONS = (...)``, the graded names (and optionally ``PRELOAD``, modules its workers
  import). Each test is named ``test_<function>...`` and marked ``@pytest.mark.points(n)`` and,
  unless it checks correctness, ``@pytest.mark.kind(...)``.
- The ``student`` fixture is the submitted module, running in a fresh worker process per test;
  ``worker`` is that worker (to build trusted objects there); ``rng`` is a ``torch.Generator``
  seeded from the run's grade seed and the test's name, so a run can be replayed exactly.
- ``device`` tests run on CUDA when the grading machine has it, else on the simulated CUDA device
  (:mod:`autograder.harness.isolation.simcuda`); ``device`` is then ``"cuda"`` either way. Where the simulated device
  cannot be built (no C++ compiler), device tests are skipped with the reason, visibly.
- Every failure is reported in words for the student; the run ends with a score table, and
  ``--results`` writes Gradescope's results.json.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import secrets
import shutil
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from autograder.harness.grading import checks
from autograder.harness.grading.results import KINDS, GradedRun, TestResult
from autograder.harness.isolation import libraries, remote, sandbox
from autograder.harness.isolation.remote import (
    AssignmentUnavailable,
    GradingFeedback,
    Remote,
    Worker,
    new_private_folder,
)
from autograder.harness.isolation.simcuda.build import SimulatedCudaUnavailable
from autograder.harness.isolation.submission import Submission
from autograder.harness.isolation.zygotes import zygote_for

RUN = pytest.StashKey["GradingRun"]()
INFO = pytest.StashKey["TestResult"]()
WORKER = pytest.StashKey[Worker]()
THREADS = pytest.StashKey[int]()
PRESTART = 2  # workers forked ahead of the running test (each imports the submission meanwhile)


class GradingRun:
    """Options and results of one grading run."""

    def __init__(self, config: pytest.Config) -> None:
        option = config.option
        default = Path(config.rootpath) / "assignments"
        self.reference_dir = Path(option.reference) if option.reference else Path(config.rootpath) / "solutions"
        # Everything this run writes (the copy of the submission, workers' scratch folders and logs)
        # lives in a folder only the grading user can enter, removed when the run ends.
        self.private = new_private_folder()
        try:
            self.submission = Submission(
                Path(option.submission) if option.submission else default, self.private, option.assignment
            )
        except BaseException:
            shutil.rmtree(self.private, ignore_errors=True)
            raise
        self.seed: int = option.grade_seed if option.grade_seed is not None else secrets.randbelow(2**31)
        self.call_timeout: float = option.call_timeout
        self.import_timeout: float = option.import_timeout
        self.memory_bytes = int(option.worker_memory_mb * 2**20)
        self.results_path: str | None = option.results
        self.visibility: str = option.visibility
        self.error: str | None = None  # why this run graded nothing (written to results.json's output)
        self.unavailable: dict[str, str] = {}  # assignment -> the test whose feedback explains why
        self.tests: list[TestResult] = []
        self.started = time.time()
        self.prestarted: dict[tuple, Worker] = {}  # the next tests' workers, forked ahead (prestart)
        self.positions: dict[str, int] = {}
        self.upcoming: list[pytest.Item] = []  # the tests after the one running, in order

    def explain_once(self, test: TestResult, message: str) -> str:
        """Why ``test``'s assignment could not be graded: the whole message for its first test, a
        one-line pointer to it for every other (a syntax error is not repeated under 28 tests)."""
        first = self.unavailable.setdefault(test.assignment, test.name)
        if first == test.name:
            return message
        lines = [line for line in message.strip().splitlines() if line.strip()]
        detail = next((line.strip() for line in lines[1:] if line.startswith("  - ")), lines[-1] if lines else "")
        summary = lines[0] if lines else message
        if detail and detail != summary:
            summary = f"{summary} {detail}"
        if len(summary) > 300:
            summary = summary[:297] + "..."
        return f"{summary} (the whole message is under {first})"

    def graded(self) -> GradedRun:
        """This run's results, as everything downstream reads them."""
        return GradedRun(self.tests, self.seed, time.time() - self.started, self.error)

    def _new_worker(
        self, assignment: str, nodeid: str, simulate_cuda: bool, student_file: Path | None, preload: tuple[str, ...]
    ) -> Worker:
        return Worker(
            assignment,
            student_file or self.submission.file_for(assignment),
            seed=self.worker_seed(nodeid),
            call_timeout=self.call_timeout,
            memory_bytes=self.memory_bytes,
            import_timeout=self.import_timeout,
            simulate_cuda=simulate_cuda,
            preload=preload,
            private=self.private,
        )

    def prestart(self, item: pytest.Item | None) -> None:
        """Fork the next test's worker now, so that it imports the submission while this test runs.

        It is the worker that test would get anyway: a fresh process with the same job (its own
        seed, file and device), forked before that test starts instead of after. A worker nobody
        takes (the next test is skipped) is closed at the end of the run."""
        info = item.stash.get(INFO, None) if item is not None else None
        if info is None or "worker" not in getattr(item, "fixturenames", ()):
            return
        key = (info.assignment, item.nodeid, _simulates(info), None, _preload(item.module))  # type: ignore[attr-defined]
        if key in self.prestarted or info.assignment not in self.submission.found:
            return
        try:
            worker = self._new_worker(*key)
        except (AssignmentUnavailable, SimulatedCudaUnavailable):
            return  # that test says why when it runs
        try:
            worker.begin()
        except Exception:  # noqa: BLE001 - the test starts its worker itself and reports any failure
            worker.close()
            return
        self.prestarted[key] = worker

    def close_prestarted(self) -> None:
        for worker in self.prestarted.values():
            worker.close()
        self.prestarted.clear()

    def test_seed(self, nodeid: str) -> int:
        return zlib.crc32(f"{self.seed}:{nodeid}".encode())

    def worker_seed(self, nodeid: str) -> int:
        """The seed of a test's worker (torch, NumPy and random): derived one way from the test's, so
        code in the worker cannot recover the seed of the grader's hidden inputs."""
        digest = hashlib.sha256(f"worker:{self.test_seed(nodeid)}".encode()).digest()
        return int.from_bytes(digest[:4], "little")

    def open_worker(
        self,
        assignment: str,
        nodeid: str,
        *,
        simulate_cuda: bool = False,
        student_file: Path | None = None,
        preload: tuple[str, ...] = (),
    ) -> Worker:
        key = (assignment, nodeid, simulate_cuda, student_file, preload)
        worker = self.prestarted.pop(key, None) or self._new_worker(*key)
        try:
            worker.start()
        except AssignmentUnavailable as failure:
            worker.close()
            if student_file is None:  # the submission's own file, not the reference
                self.submission.remember(assignment, failure)
            raise
        return worker


# -- configuration and collection ------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "points(n): points this hidden test is worth")
    config.addinivalue_line("markers", f"kind(name): one of {', '.join(KINDS)} (default correctness)")
    if not hasattr(config.option, "submission"):
        raise pytest.UsageError(
            "the autograder's options are not registered: install the project (pip install -e .), "
            "which registers them with pytest before any conftest is read"
        )
    try:
        config.stash[RUN] = run = GradingRun(config)
    except (FileNotFoundError, ValueError) as exc:
        _write_error(config.option.results, str(exc))
        raise pytest.UsageError(str(exc)) from None
    # The judge's own computations (expected values) run on one thread, like every worker: the same
    # floating-point results on any machine, and no idle OpenMP threads spinning on the cores the
    # workers need. Restored afterwards (check() runs in a student's notebook).
    config.stash[THREADS] = torch.get_num_threads()
    torch.set_num_threads(1)
    if config.option.profile:
        remote.PROFILE.clear()
        remote.RECORDED = []
    missing = sandbox.limitations()
    if config.option.require_sandbox and missing:
        run.error = (
            "The autograder could not isolate student code on this machine, so it graded nothing "
            f"(--require-sandbox): {missing}. Your score is not final: please tell the course staff."
        )
        _write_error(run.results_path, run.error)
        raise pytest.UsageError(run.error)


def _write_profile(path: str, wall: float) -> None:
    """``--profile``: the grading side's seconds (worker start, requests, timing checks, tests'
    phases) and the run's wall time as JSON; the replayable calls beside it (``PATH.calls.pt``)."""
    Path(path).write_text(json.dumps({**remote.PROFILE, "wall": wall}, indent=1))
    torch.save(remote.RECORDED or [], f"{path}.calls.pt")
    remote.RECORDED = None


def _write_error(path: str | None, message: str) -> None:
    """results.json for a run that could not grade: no test, the reason in the output."""
    if path:
        GradedRun(error=message).write(path)


def pytest_unconfigure(config: pytest.Config) -> None:
    if THREADS in config.stash:
        torch.set_num_threads(config.stash[THREADS])
    run = config.stash.get(RUN, None)
    if run is not None:
        run.close_prestarted()
        shutil.rmtree(run.private, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Remember which tests come next, for :meth:`GradingRun.prestart`."""
    run = item.config.stash.get(RUN, None)
    if run is not None:
        items = item.session.items
        position = run.positions.get(item.nodeid, len(items))
        run.upcoming = items[position + 1 : position + 1 + PRESTART]
    return (yield)


@pytest.hookimpl(tryfirst=True)  # before -k deselects: requirements are checked on whole suites
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run = config.stash[RUN]
    suites = {getattr(item.module, "ASSIGNMENT", None) for item in items if isinstance(item, pytest.Function)}
    if run.submission.only is not None and run.submission.only not in suites:
        known = ", ".join(sorted(s for s in suites if s))
        what = config.option.assignment or run.submission.path.name
        run.error = f"{what} is not an assignment of this course ({known})"
        if not config.option.assignment:
            run.error += ": name the file after its assignment, or pass --assignment aNN_topic"
        raise pytest.UsageError(run.error)
    kept, dropped = [], []
    for item in items:
        assignment = getattr(getattr(item, "module", None), "ASSIGNMENT", None)
        if assignment is None:
            kept.append(item)
            continue
        if not run.submission.includes(assignment):
            dropped.append(item)
            continue
        item.stash[INFO] = _test_info(item, assignment)
        item.add_marker(pytest.mark.timeout(600))  # a safety net; each worker call has its own limit
        kept.append(item)
    _check_requirements([item for item in kept if INFO in item.stash])
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _check_requirements(items: list[pytest.Item]) -> None:
    """Each suite's ``REQUIRES`` (function -> kinds of test it must have; default: a correctness
    test for every name in ``FUNCTIONS``) against the tests it really has. Raises UsageError naming
    each missing one, so a suite cannot lose a kind of test unnoticed."""
    present: dict[Any, set[tuple[str, str]]] = {}
    for item in items:
        present.setdefault(item.module, set()).add((item.stash[INFO].function, item.stash[INFO].kind))
    missing = []
    for module, have in present.items():
        requires = getattr(module, "REQUIRES", {f: ("correctness",) for f in module.FUNCTIONS})
        for function in module.FUNCTIONS:
            if function not in requires:
                missing.append(f"{module.ASSIGNMENT}: REQUIRES has no entry for {function}")
            for kind in requires.get(function, ()):
                if kind not in KINDS:
                    missing.append(f"{module.ASSIGNMENT}: REQUIRES[{function!r}] names {kind!r}, not one of {KINDS}")
                elif (function, kind) not in have:
                    missing.append(
                        f"{module.ASSIGNMENT}: {function} must have a {kind} test (REQUIRES), and has none: name it "
                        f"test_{function}_... and mark it @pytest.mark.kind({kind!r})"
                    )
    if missing:
        raise pytest.UsageError("hidden suites incomplete:\n  " + "\n  ".join(missing))


def pytest_collection_finish(session: pytest.Session) -> None:
    """Grade what is left once every plugin has deselected (``-k``, other assignments)."""
    run = session.config.stash[RUN]
    run.tests = [item.stash[INFO] for item in session.items if INFO in item.stash]
    run.positions = {item.nodeid: i for i, item in enumerate(session.items)}
    graded = [
        item for item in session.items if INFO in item.stash and item.stash[INFO].assignment in run.submission.found
    ]
    if not session.config.option.collectonly:
        _start_zygotes(graded, run.submission)
        if any("torch._dynamo" in _preload(item.module) for item in graded):  # type: ignore[attr-defined]
            # a06's judge steps optimizers here too (the expected weights): import torch._dynamo now,
            # while the zygotes start and the first test would wait for them, not inside a test
            # (measured cold: a06 alone 8.9 -> 7.6 s, the course 16.4 -> 14.1 s, medians of three)
            importlib.import_module("torch._dynamo")


def _start_zygotes(graded: list[pytest.Item], submission: Submission) -> None:
    """Start every zygote the run will need now, side by side: each spends seconds importing torch
    (and transformers, or a library the submission names: see ``libraries.py``), which then overlaps
    with the others and with the first tests. (Those :func:`zygotes.start_early` guessed right are
    running already.)"""
    named: dict[str, tuple[str, ...]] = {}  # assignment -> what its file's workers preload besides the suite's
    for assignment in {item.stash[INFO].assignment for item in graded}:
        try:
            named[assignment] = libraries.preload_for(submission.file_for(assignment).read_bytes())
        except (AssignmentUnavailable, OSError):
            named[assignment] = ()  # its tests say why
    needed = {
        (_simulates(item.stash[INFO]), _preload(item.module) + named[item.stash[INFO].assignment])  # type: ignore[attr-defined]
        for item in graded
    }
    for simulate, preload in sorted(needed):
        try:
            zygote_for(simulate, preload).start()
        except SimulatedCudaUnavailable:
            pass  # those tests are skipped with the reason when they run


def _test_info(item: pytest.Item, assignment: str) -> TestResult:
    points = item.get_closest_marker("points")
    if points is None or not points.args:
        raise pytest.UsageError(f"{item.nodeid}: every hidden test needs @pytest.mark.points(n)")
    kind_marker = item.get_closest_marker("kind")
    kind = kind_marker.args[0] if kind_marker else "correctness"
    if kind not in KINDS:
        raise pytest.UsageError(f"{item.nodeid}: kind {kind!r} is not one of {KINDS}")
    name = item.originalname  # type: ignore[attr-defined]
    matches = [f for f in item.module.FUNCTIONS if name == f"test_{f}" or name.startswith(f"test_{f}_")]
    if not matches:
        raise pytest.UsageError(f"{item.nodeid}: the name must start with test_<one of {item.module.FUNCTIONS}>")
    return TestResult(item.name, assignment, max(matches, key=len), kind, float(points.args[0]))


def pytest_report_header(config: pytest.Config) -> list[str]:
    run = config.stash[RUN]
    lines = [f"autograder: submission {run.submission.path}", f"autograder: grade seed {run.seed}"]
    limits = sandbox.limitations()
    lines.append(f"autograder: sandbox: {sandbox.enforced()}")
    if limits:
        lines.append(f"autograder: note: {limits}")
    return lines


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture
def worker(request: pytest.FixtureRequest) -> Iterator[Worker]:
    """A fresh worker with the submission imported (one per test: no state leaks between tests)."""
    run = request.config.stash[RUN]
    info = request.node.stash.get(INFO, None)
    simulate = info is not None and _simulates(info)
    try:
        opened = run.open_worker(
            request.module.ASSIGNMENT, request.node.nodeid, simulate_cuda=simulate, preload=_preload(request.module)
        )
    except SimulatedCudaUnavailable as exc:
        pytest.skip(f"device test not graded on this machine: {exc}")
    for upcoming in run.upcoming:
        run.prestart(upcoming)
    request.node.stash[WORKER] = opened
    try:
        yield opened
    finally:
        opened.close()


def _simulates(info: TestResult) -> bool:
    """Device tests run on the simulated GPU where there is no real one."""
    return info.kind == "device" and not torch.cuda.is_available()


def _preload(suite: Any) -> tuple[str, ...]:
    """Modules a suite's workers have imported before they start (its ``PRELOAD``). A worker comes
    from the zygote of its own suite's PRELOAD (the lean one, torch only, for most suites), so which
    modules it has loaded depends on its suite alone: never on the run's selection or what ran before."""
    return tuple(getattr(suite, "PRELOAD", ()))


@pytest.fixture
def student(worker: Worker) -> Remote:
    """The submitted module, as it runs in the worker."""
    return worker.module


class _OnFirstUse:
    """The reference's module, its worker started when a function of it is first asked for: a timing
    check needs it only for code that is slow (see vectorised.expect_vectorised)."""

    def __init__(self, start: Callable[[], Worker]) -> None:
        self._start, self._worker = start, None

    def __getattr__(self, name: str) -> Remote:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._worker is None:
            self._worker = self._start()
        return getattr(self._worker.module, name)

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()


@pytest.fixture
def reference(request: pytest.FixtureRequest) -> Iterator[Remote | None]:
    """The reference solution in a worker of its own, for timing comparisons (None if absent); the
    worker starts when the test first uses it."""
    run = request.config.stash[RUN]
    path = run.reference_dir / f"{request.module.ASSIGNMENT}.py"
    if not path.is_file():
        yield None
        return
    module = _OnFirstUse(
        lambda: run.open_worker(
            request.module.ASSIGNMENT, request.node.nodeid, student_file=path, preload=_preload(request.module)
        )
    )
    try:
        yield module  # type: ignore[misc] - used as the module it stands for
    finally:
        module.close()


@pytest.fixture
def device() -> str:
    """Where device tests put their inputs: ``"cuda"``, real or simulated."""
    return "cuda"


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> torch.Generator:
    """A generator for hidden inputs, seeded from the grade seed and this test's name."""
    return torch.Generator().manual_seed(request.config.stash[RUN].test_seed(request.node.nodeid))


# -- outcomes ------------------------------------------------------------------------------------
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Seconds in each test's phases, for ``--profile``; a device test's are also counted apart."""
    if report.when in ("setup", "call", "teardown"):
        remote.PROFILE["tests"] = remote.PROFILE.get("tests", 0.0) + report.duration
        if "_device" in report.nodeid:
            remote.PROFILE["device tests"] = remote.PROFILE.get("device tests", 0.0) + report.duration


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    info = item.stash.get(INFO, None)
    raised_on_both = list(checks.RAISED_ON_BOTH)
    checks.RAISED_ON_BOTH.clear()
    if info is None or report.when == "teardown":
        return report
    if report.when == "call" and (worker := item.stash.get(WORKER, None)) is not None:
        info.returned = frozenset(worker.returned)
    if report.skipped:
        info.status, info.feedback = "skipped", _skip_reason(report)
    elif report.failed:
        info.status = "failed"
        failure = call.excinfo.value if call.excinfo is not None else None
        if isinstance(failure, AssignmentUnavailable):
            info.unavailable = True
            info.feedback = item.config.stash[RUN].explain_once(info, str(failure))
            report.longrepr = info.feedback
            return report
        info.feedback = _feedback(call.excinfo, item.stash.get(WORKER, None))
        info.diagnosis = getattr(failure, "diagnosis", None)
        info.explanation = getattr(failure, "explanation", None)
        if isinstance(failure, GradingFeedback | AssertionError):
            report.longrepr = info.feedback
    elif report.when == "call":
        info.status = "passed"
        info.raised_on_both = raised_on_both[0] if raised_on_both else None
        printed = _printed(item.stash.get(WORKER, None))
        info.feedback = printed.strip()  # warnings and prints stay visible on a pass too
    return report


def _printed(worker: Worker | None) -> str:
    printed = worker.output() if worker is not None else ""
    return f"Your code printed:\n{printed}" if printed.strip() else ""


def _feedback(excinfo: pytest.ExceptionInfo | None, worker: Worker | None) -> str:
    if excinfo is None:
        return "failed"
    exc = excinfo.value
    if isinstance(exc, GradingFeedback | AssertionError):
        text = str(exc) or "a hidden check failed"
    elif isinstance(exc, pytest.fail.Exception):
        text = str(exc)
    else:
        text = f"the grader hit an internal error ({type(exc).__name__}: {exc}); please tell the course staff"
    if worker is not None and worker.notes:
        text += "\n\nWhile loading your submission:\n" + "\n".join(f"- {note}" for note in worker.notes)
    printed = _printed(worker)
    return f"{text}\n\n{printed}" if printed else text


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    return longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)


def settle(tests: list[TestResult]) -> None:
    """A device test passed because the student's code raised the same error on both devices stands
    only if that function returned a result somewhere in this run: an error on some inputs is a
    correctness mistake (one mistake, one kind), but code that raises for every input has shown no
    device behaviour and must not collect device points. Decided from this run's own outcomes."""
    working = {(t.assignment, name) for t in tests for name in t.returned}
    for test in tests:
        if test.status == "passed" and test.raised_on_both and (test.assignment, test.function) not in working:
            test.status = "failed"
            test.feedback = (
                f"{test.raised_on_both}, and it never returned a result in any test: device points need a "
                "function that returns one. Fix that error first (the correctness tests show it)."
            )


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    run = config.stash.get(RUN, None)
    if run is None or not run.tests:
        return
    settle(run.tests)
    terminalreporter.section("grade")
    terminalreporter.write(run.graded().table())
    terminalreporter.write_line(f"Hidden inputs drawn from grade seed {run.seed} (replay: --grade-seed {run.seed}).")
    if run.results_path:
        terminalreporter.write_line(f"Gradescope results written to {run.results_path}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = session.config.stash.get(RUN, None)
    if run is not None and session.config.option.profile:
        _write_profile(session.config.option.profile, time.time() - run.started)
    if run is None or not run.results_path:
        return
    if run.error:
        _write_error(run.results_path, run.error)
        return
    settle(run.tests)
    run.graded().write(run.results_path, visibility=run.visibility)
