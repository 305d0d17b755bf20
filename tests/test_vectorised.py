"""The vectorisation checks: op counts and Python-level counts separate loops from matrix code, and
the CPU-time check never fails the reference, even on a busy machine."""

import subprocess
import sys

import pytest
import torch
from conftest import SOLUTIONS

from autograder.harness.commands.bench import a03_timing_cases
from autograder.harness.grading.checks import Mismatch
from autograder.harness.grading.vectorised import expect_fast, expect_vectorised, total
from autograder.harness.isolation.remote import Worker

SEQUENTIAL = '''
import torch


def sequential(mat):
    """The tutorial's sequential normalisation, element by element."""
    average = torch.mean(mat)
    standard = torch.std(mat)
    output = torch.zeros(mat.shape)
    for i in range(mat.shape[0]):
        for j in range(mat.shape[1]):
            output[i, j] = (mat[i, j] - average) / standard
    return output


def parallel(mat):
    average = torch.mean(mat)
    standard = torch.std(mat)
    return (mat - average) / standard
'''


def _worker(path, name="a03_vectorize"):
    worker = Worker(name, path, seed=0, call_timeout=60, memory_bytes=2**33)
    worker.start()
    return worker


@pytest.fixture
def seed_code(tmp_path):
    path = tmp_path / "seed.py"
    path.write_text(SEQUENTIAL)
    worker = _worker(path, "seed")
    yield worker.module
    worker.close()


def test_op_counts_of_the_seed_example(seed_code):
    """The issue's measurement: ~70,000 ops for the loops on 100x100, a handful for the matrix form."""
    mat = torch.randn(100, 100)
    loops, matrix = total(seed_code.sequential.count_ops(mat)), total(seed_code.parallel.count_ops(mat))
    assert loops > 60_000 and matrix <= 6
    with pytest.raises(Mismatch, match="is not vectorised"):
        expect_vectorised(seed_code.sequential, (torch.randn(8, 8),), (torch.randn(16, 16),), max_ops=30)
    expect_vectorised(seed_code.parallel, (torch.randn(8, 8),), (torch.randn(32, 32),), max_ops=30)


PYTHON_LEVEL = '''
import numpy as np
import torch


def numpy_rows(mat):
    """A loop over NumPy rows: two tensor ops whatever the size."""
    a = mat.numpy()
    out = np.empty_like(a)
    for i, row in enumerate(a):
        out[i] = row * 2
    return torch.from_numpy(out)


def tolist_in_c(mat):
    """No loop in the student's code, but every element becomes a Python float."""
    return torch.tensor(mat.tolist()) * 2


def numpy_round_trip(mat):
    """Vectorised through NumPy, in float64: borderline but legitimate."""
    return torch.from_numpy((mat.numpy().astype(np.float64) * 2).astype(np.float32))
'''


def test_python_level_loops_are_caught_without_a_clock(tmp_path):
    """Loops the op counter cannot see are counted as lines of the student's code or as elements
    turned into Python numbers; a NumPy round trip is vectorised and passes."""
    path = tmp_path / "python_level.py"
    path.write_text(PYTHON_LEVEL)
    worker = _worker(path, "python_level")
    small, large = (torch.randn(16, 16),), (torch.randn(64, 64),)
    try:
        rows = worker.module.numpy_rows
        assert total(rows.count_ops(*small)) == total(rows.count_ops(*large))
        with pytest.raises(Mismatch, match="lines of your code ran"):
            expect_vectorised(rows, small, large, max_ops=30)
        with pytest.raises(Mismatch, match=r"\.tolist\(\) turned 256 tensor elements"):
            expect_vectorised(worker.module.tolist_in_c, small, large, max_ops=30)
        expect_vectorised(worker.module.numpy_round_trip, small, large, max_ops=30)
        work = worker.module.numpy_round_trip.count_work(*large)
        assert work.python == worker.module.numpy_round_trip.count_work(*small).python and work.elements == 0
    finally:
        worker.close()


@pytest.fixture
def busy_core():
    """Load the other core, as another grading job would."""
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    yield
    burner.kill()
    burner.wait()


def test_timing_check_never_fails_the_reference_on_a_busy_machine(busy_core):
    """30 timing checks of the reference against itself while the other core is busy: no failure."""
    student, reference = _worker(SOLUTIONS / "a03_vectorize.py"), _worker(SOLUTIONS / "a03_vectorize.py")
    cases = a03_timing_cases(512)
    failures = []
    try:
        for _ in range(5):
            for name, args in cases.items():
                try:
                    expect_fast(getattr(student.module, name), getattr(reference.module, name), args)
                except Mismatch as exc:
                    failures.append(str(exc))
    finally:
        student.close()
        reference.close()
    assert not failures
