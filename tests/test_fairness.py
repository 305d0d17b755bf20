"""A grade is a pure function of (submission, seed): machine load never changes a score.

The borderline submission (tests/borderline: vectorised, but through NumPy round trips, float64
detours, extra copies, an [n, m, d] broadcast) is graded twice with one seed while CPU burners hold
every core; both runs must give every test the same status and score, and that score is full."""

from conftest import grade

from autograder.harness.commands.bench import BORDERLINE, cpu_burners


def test_borderline_submission_gets_identical_results_under_load(tmp_path):
    with cpu_burners():
        runs = [grade(BORDERLINE, tmp_path / f"run{i}.json", "--grade-seed", "11") for i in range(2)]
    first, second = ({t["name"]: (t["status"], t["score"]) for t in run.results["tests"]} for run in runs)
    assert first == second
    a03 = {name: outcome for name, outcome in first.items() if name.startswith("a03_vectorize::")}
    assert len(a03) >= 20
    assert all(status == "passed" for status, _ in a03.values()), a03
