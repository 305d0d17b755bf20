"""Notebook submissions are graded directly: code cells run in order in the worker, magics and shell
lines are skipped, and a cell that raises costs only what it would have defined."""

import ast
import json

from conftest import SOLUTIONS, grade


def _cells_of(source: str) -> list[str]:
    """One cell per top-level statement group, as a student's notebook would hold them."""
    tree = ast.parse(source)
    lines = source.splitlines()
    return ["\n".join(lines[node.lineno - 1 : node.end_lineno]) for node in tree.body]


def _notebook(path, cells: list[str]) -> None:
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": cell}
            for cell in cells
        ]
        + [{"cell_type": "markdown", "metadata": {}, "source": "# Notes\nnot code"}],
    }
    path.write_text(json.dumps(notebook))


def test_a_notebook_of_the_solution_earns_full_marks(tmp_path):
    cells = ["%matplotlib inline\n!pip install nothing", *_cells_of((SOLUTIONS / "a02_views.py").read_text())]
    folder = tmp_path / "student"
    folder.mkdir()
    _notebook(folder / "a02_views.ipynb", cells)
    graded = grade(folder / "a02_views.ipynb", tmp_path / "r.json")
    assert graded.score == graded.max_score > 0


def test_a_cell_that_raises_costs_only_what_it_defines(tmp_path):
    cells = _cells_of((SOLUTIONS / "a02_views.py").read_text())
    broken = next(i for i, cell in enumerate(cells) if cell.startswith("def outer_sum"))
    cells[broken] = "raise RuntimeError('half-finished cell')\n" + cells[broken]
    folder = tmp_path / "student"
    folder.mkdir()
    _notebook(folder / "a02_views.ipynb", cells)
    (folder / "a01_tensors.py").write_text((SOLUTIONS / "a01_tensors.py").read_text())
    graded = grade(folder, tmp_path / "r.json")
    failed = {t["tags"][1] for t in graded.results["tests"] if t["status"] != "passed" and t["tags"][0] < "a03"}
    assert failed == {"outer_sum"}
    feedback = graded.tests_of("outer_sum")[0]["output"]
    # named as the student sees it: the cell's first line (and In [n] when the notebook ran)
    assert f"cell {broken + 1} (\"raise RuntimeError('half-finished cell')\") raised RuntimeError" in feedback
