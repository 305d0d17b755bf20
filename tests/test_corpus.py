"""Every hidden test must catch a plausible mistake, and no correct style may lose points.

``tests/corpus/<assignment>/<function>__wrong_<what>.py`` and ``...__correct_<what>.py`` each
replace one function of the reference solution (the file is appended to it, so its definitions
win; its docstring says what the mistake or the alternative is). A wrong version must lose points
on its own function and nowhere else; a correct one must keep every point.

One mistake costs the points of one kind: a wrong version loses tests of a single kind
(correctness, errors, vectorised or device), unless it declares ``LOSES = ("vectorised",)`` (test
kinds, or test names): then only those of its function's tests may fail, e.g. a Python loop with
the right values keeps its correctness points and loses the vectorised ones; a device bug loses
only the device ones; a mask rebuilt from a Python list is both a loop and a device bug.
"""

import ast
import os
from pathlib import Path

import pytest
from conftest import grade, with_override

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(CORPUS.glob("a[0-9][0-9]_*/*.py"))
# Fixed in CI so a run is reproducible; sweep other seeds with CORPUS_GRADE_SEED=N to find checks
# that catch a mistake only on lucky inputs.
SEED = os.environ.get("CORPUS_GRADE_SEED", "2026")


def _case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_corpus_case(case, tmp_path):
    assignment = case.parent.name
    function, _, label = case.stem.partition("__")
    submission = with_override(tmp_path, assignment, case.read_text())
    graded = grade(submission, tmp_path / "results.json", "--grade-seed", SEED)
    failed = graded.failed_functions()
    if label.startswith("correct"):
        assert not failed, f"a correct alternative lost points: {failed}"
    else:
        assert label.startswith("wrong"), "corpus files are named <function>__wrong_* or <function>__correct_*"
        assert function in failed, f"no hidden test of {function} caught this mistake"
        assert set(failed) == {function}, f"the mistake in {function} also cost points elsewhere: {failed}"
        _record_diagnosis(case, graded)
        loses = _declared_losses(case)
        kinds = {t["tags"][2] for t in graded.tests_of(function) if t["status"] != "passed"}
        assert loses or len(kinds) == 1, f"one mistake cost points of several kinds: {sorted(kinds)}"
        if loses:
            lost = [t for t in graded.tests_of(function) if t["status"] != "passed"]
            unexpected = [
                t["name"] for t in lost if t["tags"][2] not in loses and t["name"].split("::")[1] not in loses
            ]
            assert not unexpected, f"declared to lose only {loses}, but also failed {unexpected}"


# Feedback that names the mistake (autograder.harness.grading.mistakes): for every wrong case graded in this run
# that is a value mistake (a correctness check compared its value and found it wrong: "wrong values",
# a wrong shape), whether one of its failed tests carried a diagnosis. Other mistakes are named by
# their own checks (a loop, a device bug, a shared storage, a missing no_grad, ...).
_NAMED: dict[str, bool] = {}
VALUE_MISMATCH = ("wrong values:", "returned shape")


def _record_diagnosis(case: Path, graded) -> None:
    function = case.stem.partition("__")[0]
    lost = [t for t in graded.tests_of(function) if t["status"] != "passed"]
    compared = [t for t in lost if t["tags"][2] == "correctness" and any(m in t["output"] for m in VALUE_MISMATCH)]
    if compared:
        _NAMED[_case_id(case)] = any(t.get("extra_data", {}).get("diagnosis") for t in lost)


def _catalogued(assignment: str) -> bool:
    import importlib

    return hasattr(importlib.import_module(f"autograder.test_{assignment}"), "KNOWN")


def test_feedback_names_most_value_mistakes():
    """Of the value mistakes in assignments that keep a catalogue of known mistakes, at least 80% get
    feedback naming the mistake (runs after the corpus cases above)."""
    counted = {case: named for case, named in _NAMED.items() if _catalogued(case.split("/")[0])}
    if len(counted) < 15:
        pytest.skip("run with the whole corpus (test_corpus_case) to measure the rate")
    named = sorted(case for case, ok in counted.items() if ok)
    unnamed = sorted(case for case, ok in counted.items() if not ok)
    rate = len(named) / len(counted)
    print(f"\nmistakes named: {len(named)} of {len(counted)} ({rate:.0%}); not named: {unnamed}")
    assert rate >= 0.8, f"only {rate:.0%} named; not named: {unnamed}"


def _declared_losses(case: Path) -> tuple[str, ...]:
    for node in ast.parse(case.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "LOSES" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    return ()


def test_corpus_has_three_mistakes_and_an_alternative_per_function():
    import importlib

    for suite in sorted((CORPUS.parent.parent / "autograder").glob("test_a*.py")):
        module = importlib.import_module(f"autograder.{suite.stem}")
        names = [p.stem for p in (CORPUS / module.ASSIGNMENT).glob("*.py")]
        for function in module.FUNCTIONS:
            wrong = [n for n in names if n.startswith(f"{function}__wrong")]
            correct = [n for n in names if n.startswith(f"{function}__correct")]
            counts = f"{module.ASSIGNMENT}.{function}: {len(wrong)} wrong, {len(correct)} correct"
            assert len(wrong) >= 3 and correct, counts
