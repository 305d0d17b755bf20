"""The nbgrader preprocessor that scores hidden test cells without running the notebook in a kernel.

``nbgrader autograde`` would normally run a collected notebook in a Jupyter kernel, as the grading
user and outside any sandbox, so the student's code could read the hidden material, rewrite the
grader's files, or forge its scores. The course's configuration (:func:`autograder.release.configure_nbgrader`)
leaves nbgrader's ``Execute`` out and runs this preprocessor instead: it grades the notebook with the
hidden suite once (its workers run the notebook's code cells inside the sandbox, as for any
submission) and replaces the outputs of every test cell whose hidden block calls ``grade_function``
with that function's feedback and points, which ``SaveAutoGrades`` then reads as partial credit.
Nothing the notebook carries in its outputs survives (nbgrader's sanitising step clears them first).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from autograder import hidden_cell

CALL = re.compile(r"""grade_function\(\s*["'](\w+)["']\s*,\s*["'](\w+)["']\s*\)""")


class SuiteGrades(NbGraderPreprocessor):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Should a configuration still run a kernel (Execute listed before this preprocessor), the
        # kernel inherits this and its hidden cells leave the grading to us instead of doing it twice.
        os.environ[hidden_cell.OUTSIDE_KERNEL] = "1"

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]) -> tuple[NotebookNode, dict[str, Any]]:
        targets = []
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            match = CALL.search(cell.source) if cell.cell_type == "code" and meta.get("grade") else None
            if match:
                targets.append((cell, match.group(1), match.group(2)))
        if not targets:
            return nb, resources
        assignment = targets[0][1]
        with tempfile.TemporaryDirectory(prefix="nbgrader-suite-") as scratch:
            copy = Path(scratch) / f"{assignment}.ipynb"
            nbformat.write(nb, str(copy))
            try:
                results: dict | None = hidden_cell.grade_notebook(copy)
                failure = ""
            except RuntimeError as exc:
                results, failure = None, str(exc)
        for cell, cell_assignment, function in targets:
            try:
                if results is None or cell_assignment != assignment:
                    raise RuntimeError(failure or f"this cell grades {cell_assignment}, the notebook is {assignment}")
                text, points = hidden_cell.report(results, cell_assignment, function)
            except RuntimeError as exc:  # that cell earns 0 with the reason; the others are still scored
                text, points = f"The hidden suite could not grade this cell: {exc}", 0.0
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=text + "\n"),
                nbformat.v4.new_output(
                    "execute_result", data={"text/plain": repr(points)}, execution_count=cell.execution_count
                ),
            ]
        return nb, resources
