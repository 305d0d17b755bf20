"""``python -m autograder check [FILE_OR_FOLDER] [--function NAME]``: the students' public check.

For each graded function of each assignment file (``aNN_topic.py`` or ``.ipynb``) it runs, in
sandboxed workers exactly like grading does:

- **examples**: the ``>>>`` examples of the function's docstring;
- **device** (functions the hidden suite checks on a GPU): the examples' own arguments again, moved
  to CUDA (a real GPU when there is one, else the simulated device): the result must be on the
  device and equal the CPU result, and no CPU tensor may be mixed in;
- **vectorised** (functions the suite checks for loops): the examples' arguments repeated 4 and 16
  times along their first dimension; the work done (tensor operations, lines of the student's own
  code, ``.tolist()`` elements) must not grow with the input;
- **from scratch** (the few functions that must not call the library's version): those calls are
  refused.

Each failure reads as the graded feedback does (the same checks write it). Public inputs are few
and small, so passing does not guarantee the hidden tests; failing means a hidden test of that
kind fails too. Which function gets which check comes from ``manifest.json`` beside this module,
written by ``python -m autograder release`` from the hidden suites' ``REQUIRES`` and ``BANNED``: a
student's copy holds no hidden test.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import REPO
from autograder.harness.grading.checks import expect_like_cpu
from autograder.harness.grading.vectorised import expect_not_calling, expect_vectorised
from autograder.harness.isolation.protocol import trusted_name
from autograder.harness.isolation.remote import (
    AssignmentUnavailable,
    GradingFeedback,
    StudentError,
    Worker,
    new_private_folder,
)
from autograder.harness.isolation.zygotes import zygote_for
from autograder.scenarios import preflight

MANIFEST = Path(__file__).with_name("manifest.json")
FILE = re.compile(r"(a\d\d_[a-z0-9_]+)\.(py|ipynb)")
CALL_TIMEOUT_S = 20.0
MEMORY_BYTES = 4 * 2**30
DISCLAIMER = (
    "These checks use the docstring examples and inputs built from them. Passing them does not "
    "guarantee the hidden tests, which use other inputs and check more; a check that fails here "
    "fails there too."
)


@dataclass
class Verdict:
    check: str  # examples, device, vectorised, from scratch
    status: str  # ok, FAIL, skip
    message: str = ""


@dataclass
class Report:
    assignment: str
    function: str
    verdicts: list[Verdict] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(v.status == "FAIL" for v in self.verdicts)


# -- the manifest: which checks apply to which function ------------------------------------------------
def build_manifest(solutions: Path = REPO / "solutions") -> dict[str, dict[str, dict[str, Any]]]:
    """assignment -> function -> {"kinds": [...], "banned": {op: what}, "doc": docstring}, from the
    hidden suites' ``FUNCTIONS``, ``REQUIRES`` and ``BANNED`` and the docstrings the students'
    stubs carry (course staff only: it imports the suites). ``release`` writes ``manifest.json``."""
    import ast
    import importlib

    from autograder.harness.grading.command import assignments

    manifest: dict[str, dict[str, dict[str, Any]]] = {}
    for assignment in assignments():
        suite = importlib.import_module(f"autograder.test_{assignment}")
        requires = getattr(suite, "REQUIRES", {})
        banned = getattr(suite, "BANNED", {})
        tree = ast.parse((solutions / f"{assignment}.py").read_text())
        nodes = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)}
        manifest[assignment] = {
            name: {
                "kinds": sorted(requires.get(name, ("correctness",))),
                "banned": dict(banned.get(name, {})),
                "doc": ast.get_docstring(nodes[name]) or "",
                "class": isinstance(nodes[name], ast.ClassDef),
                "params": _parameters(nodes[name]),
            }
            for name in suite.FUNCTIONS
        }
    return manifest


def _parameters(node: Any) -> list[str]:
    import ast

    if not isinstance(node, ast.FunctionDef):
        return []
    arguments = node.args
    return [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]


def manifest_text(solutions: Path = REPO / "solutions") -> str:
    return json.dumps(build_manifest(solutions), indent=1) + "\n"


def write_manifest(solutions: Path = REPO / "solutions") -> bool:
    """Write ``manifest.json`` (``release`` does); True when it changed."""
    text = manifest_text(solutions)
    if MANIFEST.exists() and MANIFEST.read_text() == text:
        return False
    MANIFEST.write_text(text)
    return True


def manifest() -> dict[str, dict[str, dict[str, Any]]]:
    return json.loads(MANIFEST.read_text())


# -- checking ----------------------------------------------------------------------------------------
def _scaled(value: Any, times: int) -> Any:
    """``value`` with every tensor of one or more dimensions (and every list) repeated ``times``
    times along its first dimension: a bigger input of the same kind."""
    import torch

    if isinstance(value, torch.Tensor):
        return torch.cat([value] * times, dim=0) if value.dim() else value
    if isinstance(value, list):
        return [_scaled(v, times) for v in value] * times
    if isinstance(value, tuple):
        return tuple(_scaled(v, times) for v in value)
    if isinstance(value, dict):
        return {k: _scaled(v, times) for k, v in value.items()}
    return value


def _device() -> tuple[str, bool]:
    """Where device checks run: ``("cuda", simulate)``; simulate is False on a real GPU."""
    import torch

    return "cuda", not torch.cuda.is_available()


class _Workers:
    """Fresh workers for each function, as in grading: one for its examples, vectorisation and
    banned calls, one on the device; nothing carries over from one function to the next."""

    def __init__(self, assignment: str, path: Path, private: Path) -> None:
        self.assignment, self.path, self.private = assignment, path, private

    def open(self, simulate_cuda: bool = False) -> Worker:
        worker = Worker(
            self.assignment,
            self.path,
            seed=0,
            call_timeout=CALL_TIMEOUT_S,
            memory_bytes=MEMORY_BYTES,
            simulate_cuda=simulate_cuda,
            private=self.private,
        )
        try:
            worker.start()
        except BaseException:
            worker.close()
            raise
        return worker


def _message(exc: GradingFeedback) -> str:
    return str(exc).strip() or type(exc).__name__


def check_function(workers: _Workers, name: str, entry: dict[str, Any]) -> Report:
    """Every check that applies to ``name``: one worker for the examples, the vectorisation and the
    banned calls (each measures fresh copies of its inputs), one on the device. Raises
    AssignmentUnavailable when the file cannot be imported at all."""
    report = Report(workers.assignment, name)
    worker = workers.open()
    try:
        if not _defines(worker, name):
            report.verdicts.append(Verdict("examples", "FAIL", f"{name} is not defined in your file"))
            return report
        examples = worker.run(preflight.run_examples, worker.module, name, entry["doc"])
        if examples["not_implemented"]:
            report.verdicts.append(Verdict("examples", "FAIL", f"{name}: not implemented yet"))
            return report
        if not examples["tried"]:
            report.verdicts.append(Verdict("examples", "skip", "its docstring has no examples"))
        elif examples["failed"]:
            report.verdicts.append(
                Verdict("examples", "FAIL", f"{examples['failed']} of {examples['tried']} fail:\n{examples['report']}")
            )
        else:
            report.verdicts.append(Verdict("examples", "ok", f"{examples['tried']} pass"))
        calls = worker.run(preflight.example_calls, worker.module, name, entry["doc"])
        kinds = set(entry["kinds"])
        if "device" in kinds:
            report.verdicts.append(_device_check(workers, name, entry))
        if "vectorised" in kinds:
            report.verdicts.append(_vectorised_check(worker, name, calls))
        if entry.get("banned"):
            report.verdicts.append(_banned_check(worker, name, calls, entry["banned"]))
    except GradingFeedback as exc:
        report.verdicts.append(Verdict("examples", "FAIL", _message(exc)))
    finally:
        worker.close()
    return report


def _defines(worker: Worker, name: str) -> bool:
    """Whether the student's module defines ``name`` (asked in the worker)."""
    return bool(worker.run("builtins.hasattr", worker.module, name))


def _no_calls(check: str) -> Verdict:
    return Verdict(
        check, "skip", "its examples pass it no plain tensors (a model, a loader): the hidden tests check it"
    )


def _device_check(workers: _Workers, name: str, entry: dict[str, Any]) -> Verdict:
    """The examples' calls again, their tensors and models moved to the device (in the worker:
    models cannot cross), against the same calls on the CPU."""
    device, simulate = _device()
    try:
        worker = workers.open(simulate_cuda=simulate)
    except Exception as exc:  # noqa: BLE001 - no compiler for the simulated device, or the import failed
        return Verdict("device", "skip", f"the device cannot be simulated here: {exc}")
    helper = trusted_name(preflight.device_pairs)
    try:
        takes_device = "device" in entry.get("params", [])
        data_stays = "to the model's device" in " ".join(entry["doc"].split())  # the function moves it
        pairs = worker.run(preflight.device_pairs, worker.module, name, entry["doc"], device, takes_device, data_stays)
        if not pairs:
            return Verdict("device", "skip", "its examples make no call that works on the CPU to compare with")
        for on_cpu, got in pairs:
            expect_like_cpu(got["result"], on_cpu["result"], device, call=name, what="the result")
            expect_like_cpu(got["modules"], on_cpu["modules"], device, call=name, what="the model passed in, after it")
    except GradingFeedback as exc:
        return Verdict("device", "FAIL", _message(exc).replace(helper, name))
    finally:
        worker.close()
    return Verdict("device", "ok", "the result is on the device, with the CPU's values")


def _vectorised_check(worker: Worker, name: str, calls: list) -> Verdict:
    if not calls:
        return _no_calls("vectorised")
    args, kwargs = calls[0]
    fn = getattr(worker.module, name)
    small, large = (tuple(_scaled(a, k) for a in args) for k in (4, 16))
    try:
        fn(*small, **kwargs)
    except StudentError as exc:
        first = _message(exc).splitlines()[0]
        return Verdict("vectorised", "skip", f"not checked: a bigger input built from the example raised ({first})")
    try:
        expect_vectorised(fn, small, large, max_ops=10**9, kwargs=kwargs)
    except GradingFeedback as exc:
        return Verdict("vectorised", "FAIL", _message(exc))
    return Verdict("vectorised", "ok", "its work does not grow with the input")


def _banned_check(worker: Worker, name: str, calls: list, banned: dict[str, str]) -> Verdict:
    if not calls:
        return _no_calls("from scratch")
    args, kwargs = calls[0]
    try:
        expect_not_calling(getattr(worker.module, name), tuple(args), banned, kwargs=kwargs)
    except GradingFeedback as exc:
        return Verdict("from scratch", "FAIL", _message(exc))
    return Verdict("from scratch", "ok", "written from scratch")


def check_file(path: Path, function: str | None = None) -> list[Report]:
    """Check one assignment file; a file that cannot be imported is one failed report."""
    match = FILE.fullmatch(path.name)
    known = manifest()
    if match is None or match.group(1) not in known:
        raise ValueError(f"{path.name} is not an assignment file of this course ({', '.join(known)}; .py or .ipynb)")
    assignment = match.group(1)
    functions = known[assignment]
    if function is not None and function not in functions:
        raise ValueError(f"{assignment} has no graded function {function!r} (it has {', '.join(functions)})")
    _device_needed = any("device" in entry["kinds"] for entry in functions.values())
    zygote_for(False).start()
    if _device_needed and _device()[1]:
        try:
            zygote_for(True).start()  # starts beside the first, while the first checks run
        except Exception:  # noqa: BLE001, S110 - the device checks say why when they run
            pass
    private = new_private_folder()
    try:
        workers = _Workers(assignment, path.resolve(), private)
        reports = []
        for name, entry in functions.items():
            if function is None or name == function:
                try:
                    reports.append(check_function(workers, name, entry))
                except AssignmentUnavailable as exc:
                    return [Report(assignment, "(the whole file)", [Verdict("import", "FAIL", _message(exc))])]
        return reports
    finally:
        shutil.rmtree(private, ignore_errors=True)


def files(target: Path) -> list[Path]:
    """The assignment files to check: ``target`` itself, or those in the folder ``target``."""
    if target.is_dir():
        found = sorted(p for p in target.iterdir() if FILE.fullmatch(p.name) and p.is_file())
        if not found and (target / "assignments").is_dir():
            return files(target / "assignments")
        return found
    return [target]


# -- the report ------------------------------------------------------------------------------------
def render(reports: list[Report]) -> str:
    lines = []
    for report in reports:
        lines.append(f"{report.assignment}.{report.function}")
        for verdict in report.verdicts:
            head, *rest = (verdict.message or "").splitlines() or [""]
            lines.append(f"  {verdict.status:<4}  {verdict.check}: {head}")
            lines += [f"          {line}" for line in rest]
    return "\n".join(lines)


def run(target: Path, function: str | None = None) -> int:
    """Check ``target`` and print the report; 0 when nothing failed, 1 when something did, 2 when
    there was nothing to check."""
    if not target.exists():
        print(f"check: {target} does not exist", file=sys.stderr)
        return 2
    found = files(target)
    if not found:
        print(f"check: no assignment file (aNN_topic.py or .ipynb) in {target}", file=sys.stderr)
        return 2
    failed = False
    for path in found:
        try:
            reports = check_file(path, function)
        except ValueError as exc:
            print(f"check: {exc}", file=sys.stderr)
            failed = True
            continue
        print(f"== {path.name}")
        print(render(reports), flush=True)
        failed |= any(r.failed for r in reports)
    print()
    print(("Some checks FAILED. " if failed else "All checks passed. ") + DISCLAIMER)
    return 1 if failed else 0
