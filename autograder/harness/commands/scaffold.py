"""A new assignment in one command: ``python -m autograder new aNN_topic [--function NAME ...]``.

Writes three things, each a working example to edit rather than a blank page (see
``docs/authoring.md``):

- ``solutions/aNN_topic.py``: the reference, one function per ``--function`` (default: one called
  ``scale``), each with a docstring skeleton (task, Args, Returns, Raises, Example) and its body
  between ``### BEGIN SOLUTION`` / ``### END SOLUTION``;
- ``autograder/test_aNN_topic.py``: the hidden suite, with ``ASSIGNMENT``, ``FUNCTIONS``,
  ``REQUIRES`` and, per function, a correctness, an errors, a vectorised and a device test, and a
  known-mistake catalogue entry;
- ``tests/corpus/aNN_topic/``: per function three wrong versions (a wrong value, a missing error, a
  Python loop) and one correct alternative, which the corpus rule requires.

As written, the reference earns every point, each wrong version loses points of one kind and the
alternative keeps them all (``tests/test_scaffold.py`` proves it). Then run
``python -m autograder release`` for the student stub and the notebooks. Refuses to overwrite.
"""

from __future__ import annotations

import re
from pathlib import Path

from autograder import REPO

NAME = re.compile(r"a\d\d_[a-z][a-z0-9_]*")
FUNCTION = re.compile(r"[a-z_][a-z0-9_]*")

SOLUTION_HEAD = '''"""Assignment {number} - {title}.

TODO: what this assignment teaches, in the tutorial's words. Students read this first.
"""

import torch
'''

SOLUTION_FUNCTION = '''

def {name}(x: torch.Tensor, factor: float) -> torch.Tensor:
    """TODO: one line saying what {name} computes.

    TODO: the task: shapes, dtypes, devices, and what must be vectorised (the grader counts the
    tensor operations on a small and a larger input).

    Args:
        x: a float tensor of any shape.
        factor: a positive number.

    Returns:
        ``x`` times ``factor``, on the device of ``x``.

    Raises:
        ValueError: ``factor`` is not positive.

    Example:
        >>> {name}(torch.tensor([1.0, 2.0]), 2.0)
        tensor([2., 4.])
    """
    ### BEGIN SOLUTION
    if factor <= 0:
        raise ValueError(f"factor must be positive, got {{factor}}")
    return x * factor
    ### END SOLUTION
'''

SUITE_HEAD = '''"""Hidden suite for {assignment}. See docs/authoring.md for the API and the rules."""

import pytest

from autograder.api import Catalogue, expect_raises, expect_same_on_device, expect_tensor, expect_vectorised, inputs

ASSIGNMENT = "{assignment}"
FUNCTIONS = ({functions})
# The kinds of test each function must have: the plugin refuses to collect the suite without them.
REQUIRES = {{
{requires}}}
'''

SUITE_FUNCTION = '''

# -- {name} {rule}
@pytest.mark.points(2)
def test_{name}_values(student, rng):
    """TODO: the values on random hidden inputs (rng draws them; the seed replays them)."""
    x = inputs.tensor(rng, inputs.shape(rng))
    factor = float(inputs.randint(rng, 2, 6))
    expect_tensor(student.{name}(x, factor), x * factor, mistakes=KNOWN.of("{name}", x, factor))


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_{name}_rejects_a_non_positive_factor(student, rng):
    x = inputs.tensor(rng, (2, 3))
    with expect_raises(ValueError, special="factor is 0"):
        student.{name}(x, 0.0)


@pytest.mark.points(1)
@pytest.mark.kind("vectorised")
def test_{name}_vectorised(student, reference, rng):
    """The same number of tensor operations on a 4x larger input: no Python loop."""
    small, large = (inputs.tensor(rng, (16, 16)), 2.0), (inputs.tensor(rng, (64, 64)), 2.0)
    expect_vectorised(student.{name}, small, large, max_ops=8, reference=reference)


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_{name}_device(student, device, rng):
    """On the device, the student's own CPU result, on the device."""
    expect_same_on_device(student.{name}, (inputs.tensor(rng, (3, 4)), 3.0), device)
'''

SUITE_TAIL = """

# -- known mistakes (autograder.harness.grading.mistakes): a wrong value that matches one is named ---------------
KNOWN = Catalogue()
{entries}"""

KNOWN_ENTRY = """

@KNOWN.mistake("{name}", "ignores_factor", "It matches returning x unchanged: multiply it by factor.")
def _{name}_ignores_factor(x, factor):
    return x.clone()
"""

CORPUS = {
    "wrong_ignores_factor": (
        '"""Returns x unchanged: the factor is forgotten."""\n\n\ndef {name}(x, factor):\n'
        '    if factor <= 0:\n        raise ValueError("factor must be positive")\n    return x.clone()\n'
    ),
    "wrong_no_error": (
        '"""Never raises for a non-positive factor."""\n\n\ndef {name}(x, factor):\n    return x * factor\n'
    ),
    "wrong_python_loop": (
        '"""Right values from a Python loop over the elements: not vectorised."""\n\n'
        'LOSES = ("vectorised",)\n\n\ndef {name}(x, factor):\n'
        '    if factor <= 0:\n        raise ValueError("factor must be positive")\n'
        "    out = x.clone().reshape(-1)\n    for i in range(out.numel()):\n        out[i] = out[i] * factor\n"
        "    return out.reshape(x.shape)\n"
    ),
    "correct_torch_mul": (
        '"""torch.mul and an error message of its own."""\n\n\ndef {name}(x, factor):\n'
        '    if not factor > 0:\n        raise ValueError(f"{{factor}} is not positive")\n'
        "    return torch.mul(x, factor)\n"
    ),
}


def new(assignment: str, functions: list[str] | None = None, root: Path = REPO) -> list[Path]:
    """Write the three parts of a new assignment under ``root``; returns the files written.

    Raises ValueError for a name that is not ``aNN_topic`` (or a function name that is not a
    Python name), and FileExistsError when any of the files exists already.
    """
    functions = functions or ["scale"]
    if not NAME.fullmatch(assignment):
        raise ValueError(f"{assignment!r} is not an assignment name like a10_attention (aNN_topic, lower case)")
    bad = [f for f in functions if not FUNCTION.fullmatch(f)]
    if bad or len(set(functions)) != len(functions):
        raise ValueError(f"function names must be distinct lower-case Python names: {functions}")
    solution = root / "solutions" / f"{assignment}.py"
    suite = root / "autograder" / f"test_{assignment}.py"
    corpus = root / "tests" / "corpus" / assignment
    corpus_files = {
        corpus / f"{f}__{label}.py": text.format(name=f) for f in functions for label, text in CORPUS.items()
    }
    existing = [p for p in (solution, suite, *corpus_files) if p.exists()]
    if existing:
        raise FileExistsError(f"not overwriting {', '.join(str(p) for p in existing)}")
    number = int(assignment[1:3])
    title = assignment[4:].replace("_", " ")
    solution_text = SOLUTION_HEAD.format(number=number, title=title)
    solution_text += "".join(SOLUTION_FUNCTION.format(name=f) for f in functions)
    requires = "".join(f'    "{f}": ("correctness", "errors", "vectorised", "device"),\n' for f in functions)
    listed = ", ".join(f'"{f}"' for f in functions) + ("," if len(functions) == 1 else "")
    suite_text = SUITE_HEAD.format(assignment=assignment, functions=listed, requires=requires)
    for f in functions:
        suite_text += SUITE_FUNCTION.format(name=f, rule="-" * max(3, 96 - len(f) - 6))
    suite_text += SUITE_TAIL.format(entries="".join(KNOWN_ENTRY.format(name=f) for f in functions))
    written = []
    for path, text in ((solution, solution_text), (suite, suite_text), *corpus_files.items()):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x") as out:
            out.write(text)
        written.append(path)
    return written
