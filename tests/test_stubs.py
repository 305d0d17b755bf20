"""Student stubs are generated from the solutions, and the committed ones are up to date."""

import pytest
from conftest import REPO

from autograder.harness.notebooks import stubs

SOLUTION = '''"""Doc."""


def double(x):
    """Twice x."""
    ### BEGIN SOLUTION
    # Hint: multiplication works on tensors too.
    y = x * 2
    return y
    ### END SOLUTION


class Model:
    def forward(self, x):
        ### BEGIN SOLUTION
        return x
        ### END SOLUTION
'''


def test_solution_regions_become_not_implemented_with_hints_kept():
    stub = stubs.make_stub(SOLUTION)
    assert "y = x * 2" not in stub and "return x\n" not in stub
    assert "    # Hint: multiplication works on tensors too.\n    # YOUR CODE HERE\n" in stub
    assert 'raise NotImplementedError("double is not implemented yet")' in stub
    assert '        raise NotImplementedError("Model.forward is not implemented yet")' in stub
    assert '"""Twice x."""' in stub
    compile(stub, "stub", "exec")


@pytest.mark.parametrize(
    "broken",
    ["### BEGIN SOLUTION\nx = 1\n", "x = 1\n### END SOLUTION\n", "### BEGIN SOLUTION\n### BEGIN SOLUTION\n"],
)
def test_unbalanced_markers_are_rejected(broken):
    with pytest.raises(ValueError, match="SOLUTION"):
        stubs.make_stub(broken)


def test_committed_assignments_are_not_stale():
    stale = stubs.stale_stubs(REPO / "solutions", REPO / "assignments")
    assert not stale, f"run `python -m autograder release`: stale {stale}"


def test_every_solution_has_markers_and_a_committed_stub():
    for solution in sorted((REPO / "solutions").glob("a[0-9][0-9]_*.py")):
        assert stubs.BEGIN in solution.read_text(), solution
        assert (REPO / "assignments" / solution.name).is_file()
