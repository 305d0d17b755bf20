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


# SPEC §3: a vectorised test for every a03 function and every function whose spec says vectorised
# (or "by broadcasting"); a device test for every function that takes a tensor, model or device.
REQUIRED_KINDS = {
    "vectorised": {
        "a02_views": {"outer_sum"},
        "a03_vectorize": {
            "standardize",
            "standardize_rows",
            "pairwise_sq_dists",
            "masked_mean",
            "softmax",
            "cross_entropy",
        },
    },
    "device": {
        "a01_tensors": {"init_tensor", "describe", "detached_copy"},
        "a02_views": {"flatten_view", "flatten_any", "split_heads", "merge_heads", "outer_sum", "chunk_rows"},
        "a03_vectorize": {
            "standardize",
            "standardize_rows",
            "pairwise_sq_dists",
            "masked_mean",
            "softmax",
            "cross_entropy",
        },
        "a04_modules": {"ParallelLinear", "MLP", "ResidualStack", "count_parameters", "freeze"},
        "a05_autograd": {"seed_graph_grads", "grad_of", "no_grad_forward"},
        "a06_training": {
            "quadratic_loss",
            "fit_quadratic",
            "make_optimizer",
            "train_step",
            "evaluate",
            "train_linear_regression",
        },
    },
}


def test_spec_required_test_kinds_exist(tmp_path):
    graded = grade_cli(SOLUTIONS, tmp_path / "results.json")
    present = {(t["tags"][2], t["tags"][0], t["tags"][1]) for t in graded.results["tests"]}
    for kind, by_assignment in REQUIRED_KINDS.items():
        for assignment, functions in by_assignment.items():
            for function in functions:
                assert (kind, assignment, function) in present, f"no {kind} test for {assignment}.{function}"
