"""The README's main job: the reference solutions earn every point; the stubs earn none, cleanly."""

from conftest import REPO, SOLUTIONS, grade_cli


def test_reference_solutions_earn_full_marks(tmp_path):
    graded = grade_cli(SOLUTIONS, tmp_path / "results.json")
    assert graded.exit_code == 0, graded.output
    assert graded.score == graded.max_score > 0
    assert "total" in graded.output and "grade seed" in graded.output


def test_committed_stubs_earn_zero_with_a_clean_report(tmp_path):
    graded = grade_cli(None, tmp_path / "results.json")  # default: assignments/
    assert graded.exit_code == 1
    assert graded.score == 0
    outputs = {t["output"] for t in graded.results["tests"]}
    assert all("not implemented yet" in o for o in outputs), outputs
    assert "internal error" not in graded.output
    assert "Traceback" not in graded.output


def test_every_hidden_test_is_tagged_and_covers_every_function(tmp_path):
    graded = grade_cli(SOLUTIONS, tmp_path / "results.json")
    kinds = {"correctness", "errors", "vectorised", "device"}
    functions_with_correctness = set()
    for test in graded.results["tests"]:
        assignment, function, kind = test["tags"]
        assert kind in kinds
        assert test["name"].startswith(f"{assignment}::test_{function}")
        assert test["max_score"] > 0
        if kind == "correctness":
            functions_with_correctness.add((assignment, function))
    import importlib

    for suite in sorted((REPO / "autograder").glob("test_a*.py")):
        module = importlib.import_module(f"autograder.{suite.stem}")
        for function in module.FUNCTIONS:
            assert (module.ASSIGNMENT, function) in functions_with_correctness
