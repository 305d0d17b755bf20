"""``python -m autograder bench``: how fast grading is on this machine, measured in one run.

- the students' public check: one assignment from a terminal, cold, and ``check(fn)`` again warm;
- wall time to grade the reference solutions (every assignment), as a student would run it;
- the worker round trip: median seconds per call for small and 1 MB tensors;
- batch throughput: N copies of the reference graded by ``grade-all --jobs 2`` (warm grading
  processes), what that means for a 300-student class, and the overhead per submission beyond the
  grading runs' own time;
- ``nbgrader autograde`` of the reference as release notebooks (all assignments), against
  ``pytest autograder`` grading the same notebooks, when nbgrader is installed;
- fairness under load: ``tests/borderline`` (vectorised but slow: NumPy round trips, float64
  detours, extra copies) regraded several times with one seed while CPU burners hold every core,
  the per-test score variance across those runs (must be 0), and the CPU-time ratio of each
  borderline function to the reference's under the same load (the margin to the limit).

Targets (reported, not asserted; measured on a 2-core machine): a warm per-student run <= 4 s; one
assignment graded cold <= 6 s; a full submission <= 20 s; a 300-student class <= 12 min with 2
jobs; per-submission overhead <= 1 s; nbgrader >= 10x slower.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import torch
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder import REPO
from autograder.harness.commands import batch
from autograder.harness.grading import results, vectorised
from autograder.harness.grading.command import pytest_args, pytest_command
from autograder.harness.isolation.remote import Worker

ECHO = "def echo(x):\n    return x\n"


def grade_reference() -> float:
    """Seconds to grade the reference, all nine assignments, in a grading process of its own."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        command = pytest_command(REPO / "solutions", Path(folder) / "results.json")
        subprocess.run(command, cwd=REPO, capture_output=True, check=False)
        return time.perf_counter() - start


def round_trip(calls: int) -> dict[str, float]:
    """Median seconds per call of an identity function, by argument size."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "echo.py"
        source.write_text(ECHO)
        worker = Worker("echo", source, seed=0, call_timeout=30, memory_bytes=2**33)
        worker.start()
        try:
            timings = {}
            for label, value in (("small tensor (4 floats)", torch.ones(4)), ("1 MB tensor", torch.ones(2**18))):
                samples = []
                for _ in range(calls):
                    start = time.perf_counter()
                    worker.module.echo(value)
                    samples.append(time.perf_counter() - start)
                timings[label] = statistics.median(samples)
            timings["worker start (fork + import)"] = _start_cost(source)
        finally:
            worker.close()
    return timings


def _start_cost(source: Path, n: int = 10) -> float:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        worker = Worker("echo", source, seed=0, call_timeout=30, memory_bytes=2**33)
        worker.start()
        worker.close()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def batch_throughput(copies: int, jobs: int) -> dict[str, float]:
    """``copies`` reference submissions graded ``jobs`` at a time by ``grade-all``.

    - ``per student``: wall time / copies (process start-up included);
    - ``settling run``: median wall time of each grading process's second student, while its
      zygotes move their memory into huge pages when idle (once per process, see ``zygote._HugePages``);
    - ``warm run``: median wall time of the later students' runs (a process in its steady state);
    - ``overhead``: of the warm runs, the median time beyond the run's own ``execution_time``
      (results.json: from pytest's configuration to its last test), i.e. what grading one more
      student costs besides the tests.
    """
    with tempfile.TemporaryDirectory() as folder:
        submissions = Path(folder) / "class"
        for i in range(copies):
            shutil.copytree(REPO / "solutions", submissions / f"student{i:03d}")
        start = time.perf_counter()
        outcomes = batch.grade_all(submissions, Path(folder) / "out", jobs=jobs)
        wall = time.perf_counter() - start
        settling = [o for o in outcomes if o.earlier == 1] or outcomes
        warm = [o for o in outcomes if o.earlier >= 2] or settling
        own = {o.student: results.load(Path(folder, "out", o.student, "results.json")) for o in warm}
    return {
        "per student": wall / copies,
        "settling run": statistics.median(o.seconds for o in settling),
        "warm run": statistics.median(o.seconds for o in warm),
        "overhead": statistics.median(o.seconds - own[o.student].seconds for o in warm),
    }


def nbgrader_vs_direct() -> tuple[float, float, float, str]:
    """Seconds for ``nbgrader autograde`` of a perfect student's notebooks (every assignment), for
    ``pytest autograder`` on the same notebooks (cold, a process of its own), and for the same
    notebooks graded by a settled warm grading process (``grade-all``'s, its third student: what
    one more student of a class costs); the scores, as a check that both graded."""
    from autograder.harness.notebooks import release

    with tempfile.TemporaryDirectory() as folder:
        course = Path(folder)
        built = release.build(REPO / "solutions", course)
        student = course / "submitted" / "perfect"
        for notebook in built:
            target = student / notebook.parent.name / notebook.name
            target.parent.mkdir(parents=True)
            answered = release.answered(notebook, course / "source" / notebook.parent.name / notebook.name)
            target.write_text(json.dumps(answered))
        start = time.perf_counter()
        scores = [release.autograde(course, n.stem, ["perfect"])["perfect"] for n in built]
        nbgrader = time.perf_counter() - start
        flat = course / "flat"
        flat.mkdir()
        for notebook in built:
            shutil.copy(student / notebook.parent.name / notebook.name, flat / notebook.name)
        start = time.perf_counter()
        subprocess.run(pytest_command(flat, course / "direct.json"), cwd=REPO, capture_output=True, check=False)
        direct = time.perf_counter() - start
        ours = results.load(course / "direct.json").score
        pool = batch.GradingPool(1)
        try:
            for _ in range(3):  # cold, settling, then the one measured
                start = time.perf_counter()
                pool.grade(pytest_args(flat, course / "warm.json"), course / "warm.log", timeout=1800)
                warm = time.perf_counter() - start
        finally:
            pool.close()
    got, out_of = sum(s for s, _ in scores), sum(m for _, m in scores)
    return nbgrader, direct, warm, f"nbgrader {got:g}/{out_of:g}, direct {ours:g}"


@contextlib.contextmanager
def cpu_burners(count: int | None = None) -> Iterator[None]:
    """Busy-loop processes on every core (or ``count``), as other graders would be."""
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count or os.cpu_count() or 2)
    ]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


BORDERLINE = REPO / "tests" / "borderline"


def fairness(runs: int = 3, seed: int = 2026) -> dict[str, float]:
    """Regrade the borderline submission ``runs`` times under load; the largest per-test variance of
    the score across runs, the number of tests that ever differed, and the worst CPU-time ratio of
    a borderline a03 function to the reference (see autograder.harness.grading.vectorised)."""
    scores: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder, cpu_burners():
        for run in range(runs):
            written = Path(folder) / f"run{run}.json"
            command = pytest_command(BORDERLINE, written) + ["--grade-seed", str(seed)]
            subprocess.run(command, cwd=REPO, capture_output=True, check=False)
            for test in results.load(written).tests:
                scores.setdefault(f"{test.assignment}::{test.name}", []).append(test.earned)
        ratio = _borderline_ratio()
    variances = [statistics.pvariance(values) for values in scores.values()]
    return {
        "variance": max(variances, default=0.0),
        "differing": sum(v > 0 for v in variances),
        "tests": len(scores),
        "worst ratio": ratio,
    }


def a03_timing_cases(side: int = 512) -> dict[str, tuple]:
    """Inputs for timing each a03 function, sized as its vectorised test's timing input."""
    g = torch.Generator().manual_seed(0)
    big = torch.randn(side, side, generator=g)
    return {
        "standardize": (big,),
        "standardize_rows": (big,),
        "pairwise_sq_dists": (torch.randn(side, 8, generator=g),) * 2,
        "masked_mean": (big, big > 0, 1),
        "softmax": (big,),
        "cross_entropy": (torch.randn(side * 64, 10, generator=g), torch.randint(0, 10, (side * 64,), generator=g)),
    }


def _borderline_ratio() -> float:
    """max over a03's functions of (borderline CPU time / reference CPU time) on the timing inputs."""
    from autograder.test_a03_vectorize import FUNCTIONS, TIMED

    cases = a03_timing_cases(TIMED)
    workers = [
        Worker("a03_vectorize", folder / "a03_vectorize.py", seed=0, call_timeout=60, memory_bytes=2**33)
        for folder in (BORDERLINE, REPO / "solutions")
    ]
    worst = 0.0
    try:
        for name in FUNCTIONS:
            times = []
            for worker in workers:
                fn = getattr(worker.module, name)
                args = tuple(worker.make("torch.clone", a) if isinstance(a, torch.Tensor) else a for a in cases[name])
                fn.cpu_time_per_call(*args, repeat=1)
                times.append(min(fn.cpu_time_per_call(*args, repeat=3) or 0.0 for _ in range(3)))
            worst = max(worst, times[0] / max(times[1], 1e-6))
    finally:
        for worker in workers:
            worker.close()
    return worst


def breakdown(small_round_trip: float) -> dict[str, float]:
    """Where a warm run's seconds go: the reference graded three times in one warm grading process
    (``grade-all``'s), the third run profiled (``--profile``): the first starts everything, during
    the second the zygotes settle (see :func:`batch_throughput`). Seconds by part, the run's wall
    time, and the floor: the reference's own calls of that run (those with plain arguments)
    executed directly in this process, with no worker, message or check."""
    import copy
    import importlib.util

    pool = batch.GradingPool(1)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for run in range(3):
                profile = Path(scratch) / f"profile{run}.json"
                args = pytest_args(REPO / "solutions", Path(scratch) / "results.json", f"--profile={profile}")
                pool.grade([*args, "--grade-seed=7"], Path(scratch) / "log", timeout=1800)
            seen = json.loads(profile.read_text())
            calls = torch.load(f"{profile}.calls.pt", weights_only=False)
    finally:
        pool.close()
    modules = {}
    for name in {module for module, *_ in calls}:
        spec = importlib.util.spec_from_file_location(f"floor_{name}", REPO / "solutions" / f"{name}.py")
        modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(modules[name])  # type: ignore[union-attr]
    floor = 0.0
    for module, function, args, kwargs in calls:
        args, kwargs = copy.deepcopy((args, kwargs))
        start = time.perf_counter()
        with contextlib.suppress(Exception):  # the error tests' calls raise by design
            getattr(modules[module], function)(*args, **kwargs)
        floor += time.perf_counter() - start
    on_cpu, simulated = replay_on_devices(calls)
    requests = seen.get("requests", 0.0)
    messages = min(requests, seen.get("requests count", 0.0) * small_round_trip)
    tests = seen.get("tests", 0.0)
    own = seen.get("worker start", 0.0) + seen.get("worker close", 0.0) + requests + seen.get("timing requests", 0.0)
    return {
        "worker start-up (fork, import the submission)": seen.get("worker start", 0.0),
        "worker shut-down": seen.get("worker close", 0.0),
        "messages (requests x the echo round trip)": messages,
        "the submission's calls and trusted helpers (requests less messages)": requests - messages,
        "timing checks (CPU time against the reference)": seen.get("timing requests", 0.0),
        "the judge (checks, expected values, in the grading process)": max(0.0, tests - own),
        "pytest's own (collection, hooks, report)": max(0.0, seen["wall"] - tests),
        "  of the tests above: device tests (simulated CUDA), in all": seen.get("device tests", 0.0),
        "wall": seen["wall"],
        "floor": floor,
        "floor calls": float(len(calls)),
        "replayed on the CPU": on_cpu,
        "replayed on the simulated device": simulated,
        "workers": seen.get("worker start count", 0.0),
        "requests": seen.get("requests count", 0.0),
    }


def replay_on_devices(calls: list) -> tuple[float, float]:
    """The simulated device's own cost: the floor's calls replayed in a worker on the CPU, and again
    in a worker of the simulated CUDA device with every tensor argument on ``cuda:0`` (what a device
    test does); seconds for each, round trips included on both sides."""
    from torch.utils._pytree import tree_map

    from autograder.harness.isolation.wire import mark_simulated

    def on_device(value):
        return mark_simulated(value.detach().clone()) if isinstance(value, torch.Tensor) else value

    totals = []
    for simulate in (False, True):
        workers: dict[str, Worker] = {}
        spent = 0.0
        try:
            for module, function, args, kwargs in calls:
                if module not in workers:
                    workers[module] = Worker(
                        module,
                        REPO / "solutions" / f"{module}.py",
                        seed=0,
                        call_timeout=60,
                        memory_bytes=2**33,
                        simulate_cuda=simulate,
                        preload=getattr(importlib.import_module(f"autograder.test_{module}"), "PRELOAD", ()),
                    )
                    workers[module].start()
                if simulate:
                    args, kwargs = tree_map(on_device, (args, kwargs))
                start = time.perf_counter()
                with contextlib.suppress(Exception):  # the error tests' calls raise by design
                    getattr(workers[module].module, function)(*args, **kwargs)
                spent += time.perf_counter() - start
        finally:
            for worker in workers.values():
                worker.close()
        totals.append(spent)
    return totals[0], totals[1]


def grade_one_cold(assignment: str = "a03_vectorize") -> float:
    """Seconds to grade one assignment of the reference in a new process (a Gradescope upload, a
    student checking one file): Python, torch and the zygotes that assignment needs all start;
    the median of three runs."""
    times = []
    with tempfile.TemporaryDirectory() as folder:
        command = pytest_command(REPO / "solutions", Path(folder) / "results.json") + ["--assignment", assignment]
        for _ in range(3):  # the median of three: one run moves by a second with the machine
            start = time.perf_counter()
            subprocess.run(command, cwd=REPO, capture_output=True, check=False)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def public_check() -> tuple[float, float]:
    """Seconds for the students' check: one assignment from a terminal, cold (a new process: torch
    and the zygotes start), and one function again in a process that already checked once (a
    notebook's second ``check(fn)``)."""
    from autograder.harness.preflight.check import check_file

    reference = REPO / "solutions" / "a03_vectorize.py"
    start = time.perf_counter()
    command = [sys.executable, "-m", "autograder", "check", str(reference)]
    subprocess.run(command, cwd=REPO, capture_output=True, check=False)
    cold = time.perf_counter() - start
    check_file(reference, "softmax")
    start = time.perf_counter()
    check_file(reference, "softmax")
    return cold, time.perf_counter() - start


def main(copies: int = 8, jobs: int = 2, calls: int = 200, quick: bool = False) -> Table:
    table = Table(title="autograder bench (this machine)")
    for column in ("measurement", "value", "target", "ratio"):
        table.add_column(column, justify="left" if column == "measurement" else "right")
    trips = round_trip(calls)
    for label, seconds in trips.items():
        table.add_row(f"round trip: {label}", f"{seconds * 1e3:.2f} ms", "", "")
    if not quick:
        parts = breakdown(trips["small tensor (4 floats)"])
        wall = parts.pop("wall")
        table.add_row(
            f"warm run of the reference, broken down ({parts.pop('workers'):.0f} workers, "
            f"{parts.pop('requests'):.0f} requests)",
            f"{wall:.1f} s",
            "<= 4 s",
            f"{wall / 4:.2f}",
        )
        floor, floor_calls = parts.pop("floor"), parts.pop("floor calls")
        on_cpu, simulated = parts.pop("replayed on the CPU"), parts.pop("replayed on the simulated device")
        for label, seconds in parts.items():
            table.add_row(f"  {label}", f"{seconds:.2f} s", "", f"{100 * seconds / wall:.0f}%")
        table.add_row(
            f"  floor: the reference's {floor_calls:.0f} calls run directly, one process",
            f"{floor:.2f} s",
            "",
            f"{100 * floor / wall:.0f}%",
        )
        table.add_row("  those calls in a worker, on the CPU", f"{on_cpu:.2f} s", "", "")
        table.add_row(
            "  the same calls on the simulated CUDA device", f"{simulated:.2f} s", "", f"{simulated / on_cpu:.1f}x"
        )
        one = grade_one_cold()
        table.add_row("grade one assignment (a03), cold", f"{one:.1f} s", "<= 6 s", f"{one / 6:.2f}")
        cold, warm = public_check()
        table.add_row("check one assignment (a03), terminal, cold", f"{cold:.1f} s", "<= 10 s", f"{cold / 10:.2f}")
        table.add_row("check(fn) again in a notebook (warm)", f"{warm:.2f} s", "<= 2 s", f"{warm / 2:.2f}")
        full = grade_reference()
        table.add_row("grade the reference (all assignments)", f"{full:.1f} s", "<= 20 s", f"{full / 20:.2f}")
        measured = batch_throughput(copies, jobs)
        per_student = measured["per student"]
        table.add_row(f"grade-all --jobs {jobs}: per student ({copies} copies)", f"{per_student:.1f} s", "", "")
        table.add_row(
            "  a process's second student (its zygotes settle meanwhile)", f"{measured['settling run']:.1f} s", "", ""
        )
        table.add_row("  one student's run in a warm process, later", f"{measured['warm run']:.1f} s", "", "")
        overhead = measured["overhead"]
        table.add_row("  overhead per student, beyond the tests", f"{overhead:.2f} s", "<= 1 s", f"{overhead:.2f}")
        # Each grading process starts cold once (as the full reference run above), settles during
        # its second student, then grades the rest of its share warm, `jobs` side by side (the warm
        # runs were measured that way).
        class_minutes = (full + measured["settling run"] + (300 / jobs - 2) * measured["warm run"]) / 60
        ratio = f"{class_minutes / 12:.2f}"
        table.add_row(
            f"300 students (extrapolated: one cold start, one settling run, then warm runs {jobs} at a time)",
            f"{class_minutes:.1f} min",
            "<= 12 min",
            ratio,
        )
        if importlib.util.find_spec("nbgrader") is None:
            table.add_row("nbgrader autograde", "not installed (pip install '.[instructor]')", ">= 10x slower", "")
        else:
            nbgrader, direct, warm, scores = nbgrader_vs_direct()
            table.add_row("nbgrader autograde, all assignments as notebooks", f"{nbgrader:.1f} s", "", "")
            table.add_row("pytest autograder, the same notebooks, cold", f"{direct:.1f} s", "", "")
            table.add_row(
                f"  nbgrader / ours, one student alone ({escape(scores)})", f"{nbgrader / direct:.1f}x", ">= 10x", ""
            )
            table.add_row("the same notebooks, one more student of a class (warm process)", f"{warm:.1f} s", "", "")
            table.add_row("  nbgrader / ours, per student of a class", f"{nbgrader / warm:.1f}x", ">= 10x", "")
        fair = fairness()
        table.add_row(
            f"borderline submission, 3 regrades under load: per-test score variance ({fair['tests']} tests)",
            f"{fair['variance']:g} ({fair['differing']:g} differ)",
            "0",
            "",
        )
        worst = fair["worst ratio"]
        table.add_row(
            "  worst CPU-time ratio of a borderline function to the reference, under load",
            f"{worst:.1f}x",
            f"< {vectorised.RATIO:g}x",
            f"margin {vectorised.RATIO / max(worst, 1e-9):.0f}x",
        )
    Console(width=110).print(table)
    return table
