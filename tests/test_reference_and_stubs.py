"""The README's main job: the reference solutions earn every point; the stubs earn none, cleanly."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch
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
# Each suite declares what its functions need in REQUIRES; the plugin refuses a suite that lacks one.


def _suites():
    import importlib

    for suite in sorted((REPO / "autograder").glob("test_a*.py")):
        yield importlib.import_module(f"autograder.{suite.stem}")


def test_spec_required_test_kinds_exist(reference):
    graded = reference
    present = {(t["tags"][0], t["tags"][1], t["tags"][2]) for t in graded.results["tests"]}
    for suite in _suites():
        assert set(suite.REQUIRES) == set(suite.FUNCTIONS), suite.ASSIGNMENT
        for function, kinds in suite.REQUIRES.items():
            assert "correctness" in kinds, function
            if suite.ASSIGNMENT == "a03_vectorize":
                assert "vectorised" in kinds, function
            for kind in kinds:
                assert (suite.ASSIGNMENT, function, kind) in present, f"no {kind} test for {function}"


def test_a_suite_missing_a_required_kind_is_refused():
    """REQUIRES is enforced when the suite is collected, with a message that says what to add."""
    script = (
        "import sys, pytest\n"
        "import autograder.test_a05_autograd as suite\n"
        "suite.REQUIRES['grad_of'] = ('correctness', 'vectorised', 'device')\n"
        "sys.exit(pytest.main(['autograder/test_a05_autograd.py', '--collect-only', '-q', '-p', 'no:cacheprovider',"
        f" '--submission={SOLUTIONS / 'a05_autograd.py'}']))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "a05_autograd: grad_of must have a vectorised test (REQUIRES), and has none" in done.stderr


def test_a09_zygote_cache_hands_out_exactly_what_building_and_loading_would(tmp_path, monkeypatch):
    """a09's zygote keeps the tiny BERT it built (``warm_up``): a worker's build and load from it
    must equal a fresh build and load, files, random state, weights and all."""
    from autograder.scenarios import a09_transformers as a09

    monkeypatch.setattr(a09, "_BUILT", {})
    monkeypatch.setattr(a09, "_LOADED", {})
    fresh = Path(a09.build_tiny_bert(str(tmp_path / "fresh")))
    state, draw = torch.get_rng_state(), torch.rand(3)
    fresh_tokenizer, fresh_model = a09.load_tiny_bert(str(fresh))
    a09.warm_up()
    cached = Path(a09.build_tiny_bert(str(tmp_path / "cached")))
    assert torch.equal(torch.get_rng_state(), state) and torch.equal(torch.rand(3), draw)
    assert {f.name: f.read_bytes() for f in fresh.iterdir()} == {f.name: f.read_bytes() for f in cached.iterdir()}
    tokenizer, model = a09.load_tiny_bert(str(cached))
    assert not model.training and model.config._name_or_path == tokenizer.name_or_path == str(cached)
    for got, want in zip(model.state_dict().values(), fresh_model.state_dict().values(), strict=True):
        assert torch.equal(got, want)
    assert tokenizer(["i love ai !"]) == fresh_tokenizer(["i love ai !"])
    again = a09.load_tiny_bert(str(cached))[1]
    assert again is not model and next(again.parameters()) is not next(model.parameters())  # a copy each time
    other = Path(a09.build_tiny_bert(str(tmp_path / "other"), seed=5))  # not cached: built for real
    assert (other / "model.safetensors").read_bytes() != (fresh / "model.safetensors").read_bytes()
