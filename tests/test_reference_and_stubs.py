"""The README's main job: the reference solutions earn every point; the stubs earn none, cleanly."""

import pytest
from conftest import REPO, SOLUTIONS, Graded, grade_cli


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Graded:
    """The reference graded once, as a person would (the three tests below read the same run)."""
    return grade_cli(SOLUTIONS, tmp_path_factory.mktemp("reference") / "results.json")


def test_reference_solutions_earn_full_marks(reference):
    graded = reference
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


def test_every_hidden_test_is_tagged_and_covers_every_function(reference):
    graded = reference
    kinds = {"correctness", "errors", "vectorised", "device"}
    functions_with_correctness = set()
    for test in graded.results["tests"]:
        assignment, function, kind = test["tags"]
        assert kind in kinds
        assert test["name"].startswith(f"{assignment}::test_{function}")
        assert test["max_score"] > 0
        if kind == "correctness":
            functions_with_correctness.add((assignment, function))
    for suite in _suites():
        for function in suite.FUNCTIONS:
            assert (suite.ASSIGNMENT, function) in functions_with_correctness


# SPEC §3: a vectorised test for every a03 function and every function whose spec says vectorised
# (or "by broadcasting"); a device test for every function that takes a tensor, model or device.
TAKES_NO_TENSOR_MODEL_OR_DEVICE = {
    "from_list",
    "from_numpy_shared",
    "seeded_pair",
    "row_major_strides",
    "storage_index",
    "SequenceDataset",
    "make_loader",
    "length_buckets",
    "load_encoder",
    "encode_batch",
}
VECTORISED_OUTSIDE_A03 = {"outer_sum", "teacher_forcing_loss", "mean_pool", "cosine_similarity_matrix"}


def _suites():
    import importlib

    for suite in sorted((REPO / "autograder").glob("test_a*.py")):
        yield importlib.import_module(f"autograder.{suite.stem}")


def test_spec_required_test_kinds_exist(reference):
    graded = reference
    present = {(t["tags"][2], t["tags"][0], t["tags"][1]) for t in graded.results["tests"]}
    for suite in _suites():
        for function in suite.FUNCTIONS:
            if function not in TAKES_NO_TENSOR_MODEL_OR_DEVICE:
                assert ("device", suite.ASSIGNMENT, function) in present, f"no device test for {function}"
            if suite.ASSIGNMENT == "a03_vectorize" or function in VECTORISED_OUTSIDE_A03:
                assert ("vectorised", suite.ASSIGNMENT, function) in present, f"no vectorised test for {function}"
