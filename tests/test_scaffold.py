"""``python -m autograder new``: a scaffolded assignment is graded for real, as it is written.

The scaffold is written into the repository itself (the suite must sit beside the others to be
collected as ``pytest autograder``) under a name no real assignment uses, and removed afterwards.
"""

import json
import shutil
import subprocess
import sys

from conftest import REPO, with_override

from autograder.harness.notebooks import stubs

ASSIGNMENT = "a98_scaffold_check"


def _grade(submission, results):
    args = [sys.executable, "-m", "pytest", f"autograder/test_{ASSIGNMENT}.py", f"--submission={submission}"]
    args += [f"--results={results}", "--grade-seed=3", "-q", "-p", "no:cacheprovider"]
    subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)
    return json.loads(results.read_text())


def test_new_scaffolds_an_assignment_that_grades_as_written(tmp_path):
    command = [sys.executable, "-m", "autograder", "new", ASSIGNMENT, "--function", "scale_rows"]
    written = []
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        written = [REPO / line.removeprefix("wrote ") for line in done.stdout.splitlines() if line.startswith("wrote ")]
        assert done.returncode == 0, done.stderr
        assert len(written) == 6  # solution, suite, 3 wrong and 1 correct corpus files
        again = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
        assert again.returncode == 2 and "not overwriting" in again.stderr

        solution = REPO / "solutions" / f"{ASSIGNMENT}.py"
        assert "raise NotImplementedError" in stubs.make_stub(solution.read_text())
        reference = _grade(solution, tmp_path / "reference.json")
        kinds = {t["tags"][2] for t in reference["tests"]}
        assert reference["score"] == sum(t["max_score"] for t in reference["tests"]) == 5
        assert kinds == {"correctness", "errors", "vectorised", "device"}

        for case in sorted((REPO / "tests" / "corpus" / ASSIGNMENT).glob("*.py")):
            submission = with_override(tmp_path, ASSIGNMENT, case.read_text(), name=case.stem)
            graded = _grade(submission, tmp_path / f"{case.stem}.json")
            lost = {t["tags"][2] for t in graded["tests"] if t["status"] != "passed"}
            expected = {
                "wrong_ignores_factor": {"correctness"},
                "wrong_no_error": {"errors"},
                "wrong_python_loop": {"vectorised"},
                "correct_torch_mul": set(),
            }[case.stem.partition("__")[2]]
            assert lost == expected, (case.name, lost)
            if "ignores_factor" in case.stem:  # the catalogue's example entry names it
                assert any("It matches returning x unchanged" in t["output"] for t in graded["tests"])
    finally:
        for path in written:
            path.unlink(missing_ok=True)
        shutil.rmtree(REPO / "tests" / "corpus" / ASSIGNMENT, ignore_errors=True)


def test_audit_kills_mutants_of_a_reference_and_lists_survivors():
    """Mutants are one change each, inside the solution regions; grading them is real."""
    from autograder.harness.commands import audit

    source = (REPO / "solutions" / "a03_vectorize.py").read_text()
    found = audit.mutants(source)
    inside = audit.solution_lines(source)
    assert len(found) > 50 and all(m.line in inside for m in found)
    assert {m.kind for m in found} == {"statement", "operator", "comparison", "constant", "keyword"}
    assert any(m.before == "return (mat - mat.mean()) / std" and m.after.endswith("* std") for m in found)
    verdicts = audit.audit("a02_views", limit=None, jobs=2)
    survivors = [v.mutant for v in verdicts if not v.killed]
    assert len(verdicts) > 40 and len(survivors) <= 2  # measured: 43 of 44 killed
    report = audit.report("a02_views", verdicts, 1.0)
    assert "mutants killed" in report and all(f"#{m.number} line {m.line}" in report for m in survivors)
