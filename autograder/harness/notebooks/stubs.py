"""Student stubs from reference solutions.

In ``solutions/aNN_topic.py`` every solution region sits between nbgrader's markers::

    ### BEGIN SOLUTION
    return torch.tensor(data, dtype=dtype)
    ### END SOLUTION

The stub keeps everything else (docstrings carry the task) and replaces each region with
``raise NotImplementedError`` naming the function. Comment lines in the region that start with
``# Hint:`` are kept, so a solution can leave the student a nudge.
"""

from __future__ import annotations

import ast
from pathlib import Path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HEADER = (
    "# Student version, generated from the reference solution by `python -m autograder release`.\n"
    "# Replace every `raise NotImplementedError(...)` with your code; keep the names and signatures.\n"
)


def make_stub(source: str, filename: str = "<solution>") -> str:
    """The student version of one solution file. Raises ValueError on unbalanced markers."""
    lines = source.splitlines(keepends=True)
    owners = _enclosing_functions(source)
    out: list[str] = []
    region_start: int | None = None
    hints: list[str] = []
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == BEGIN:
            if region_start is not None:
                raise ValueError(f"{filename}:{number}: {BEGIN} inside another solution region")
            region_start, hints = number, []
            continue
        if marker == END:
            if region_start is None:
                raise ValueError(f"{filename}:{number}: {END} without {BEGIN}")
            indent = line[: len(line) - len(line.lstrip())]
            name = owners.get(region_start, "this function")
            out.extend(hints)
            out.append(f"{indent}# YOUR CODE HERE\n")
            out.append(f'{indent}raise NotImplementedError("{name} is not implemented yet")\n')
            region_start = None
            continue
        if region_start is None:
            out.append(line)
        elif marker.lower().startswith("# hint:"):
            hints.append(line)
    if region_start is not None:
        raise ValueError(f"{filename}:{region_start}: {BEGIN} is never closed")
    return HEADER + "".join(out)


def _enclosing_functions(source: str) -> dict[int, str]:
    """line number -> qualified name of the innermost function containing it."""
    owners: dict[int, str] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    for line in range(child.lineno, (child.end_lineno or child.lineno) + 1):
                        owners[line] = name
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return owners


def expected_stubs(solutions: Path) -> dict[str, str]:
    """file name -> stub text, for every ``aNN_*.py`` in ``solutions``."""
    return {path.name: make_stub(path.read_text(), str(path)) for path in sorted(solutions.glob("a[0-9][0-9]_*.py"))}


def write_stubs(solutions: Path, assignments: Path) -> list[Path]:
    """Regenerate ``assignments/`` from ``solutions/``; returns the files written."""
    assignments.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in expected_stubs(solutions).items():
        target = assignments / name
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            written.append(target)
    return written


def stale_stubs(solutions: Path, assignments: Path) -> list[str]:
    """Names of stubs that are missing or differ from what the solutions generate."""
    return [
        name
        for name, text in expected_stubs(solutions).items()
        if not (assignments / name).exists() or (assignments / name).read_text() != text
    ]
