"""The nbgrader preprocessors of the course: grading without a kernel, and two quiet fixes of nbgrader.

``nbgrader autograde`` would normally run a collected notebook in a Jupyter kernel, as the grading
user and outside any sandbox, so the student's code could read the hidden material, rewrite the
grader's files, or forge its scores. The course's configuration
(:func:`autograder.harness.notebooks.release.configure_nbgrader`) leaves nbgrader's ``Execute`` out
and runs this preprocessor instead: it grades the notebook with the hidden suite once (its workers
run the notebook's code cells inside the sandbox, as for any submission) and replaces the outputs of
every test cell whose hidden block calls ``grade_function`` with that function's feedback and
points, which ``SaveAutoGrades`` then reads as partial credit. Nothing the notebook carries in its
outputs survives (nbgrader's sanitising step clears them first).

Two preprocessors keep nbgrader's log free of false alarms, so that a warning in it means something:

- :class:`RestoreHiddenTests` replaces nbgrader's ``OverwriteCells`` in ``autograde``'s sanitising
  step: it does not report a test cell whose hidden block is missing because the student's notebook
  was released that way (nbgrader#1961), and still reports every change a student made.
- :class:`FeedbackClearHiddenTests` is nbgrader's ``ClearHiddenTests`` for ``generate_feedback``,
  which accepts the HTML exporter's ``display_data_priority`` setting as nbgrader's own ``GetGrades``
  does.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from nbformat.notebooknode import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor, OverwriteCells
from traitlets import List

from autograder.harness.grading.results import GradedRun
from autograder.harness.notebooks import hidden_cell

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
                results: GradedRun | None = hidden_cell.grade_notebook(copy)
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


class RestoreHiddenTests(OverwriteCells):
    """nbgrader's ``OverwriteCells`` without its false alarm on hidden test cells (nbgrader#1961).

    ``generate_assignment`` saves each read-only cell's source and checksum in the gradebook
    *before* ``ClearHiddenTests`` empties its ``### BEGIN HIDDEN TESTS`` block, so a test cell that
    comes back exactly as it was released never matches the gradebook: ``OverwriteCells`` warns
    "Attribute 'checksum' for cell test_... has changed!" for every such cell of every student, then
    restores the cell from the gradebook (which is how the hidden tests come back). Here a read-only
    cell whose source is exactly its released text (the gradebook's source with the hidden block
    cleared, as ``ClearHiddenTests`` clears it) gets the gradebook's source first, and nbgrader's own
    checks then pass without a word. Any other change a student made to a read-only or test cell (its
    text, points, read-only flag or cell type) is still reported and undone by ``OverwriteCells``.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: dict[str, Any], cell_index: int
    ) -> tuple[NotebookNode, dict[str, Any]]:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None:
            try:
                original = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id)
            except MissingEntry:  # OverwriteCells reports it
                original = None
            if original is not None and original.locked and cell.cell_type == original.cell_type:
                released = self._released(original.source)
                if released != original.source and cell.source == released:
                    cell.source = original.source
        return super().preprocess_cell(cell, resources, cell_index)

    def _released(self, source: str) -> str:
        """``source`` as ``generate_assignment`` released it: its hidden test block cleared."""
        copy = NotebookNode(cell_type="code", source=source, metadata={})
        try:
            ClearHiddenTests(parent=self)._remove_hidden_test_region(copy)
        except RuntimeError:  # malformed markers: leave the judgement to OverwriteCells
            return source
        return copy.source


class FeedbackClearHiddenTests(ClearHiddenTests):
    """nbgrader's ``ClearHiddenTests``, for ``generate_feedback`` (nbgrader#917).

    ``generate_feedback``'s HTML exporter configures ``NbConvertBase.display_data_priority`` for
    every preprocessor; nbgrader's preprocessors redefine that trait without making it configurable,
    so ``ClearHiddenTests`` logs "Config option `display_data_priority` not recognized". nbgrader's
    own feedback preprocessor (``GetGrades``) declares it configurable; so does this one.
    """

    display_data_priority = List(
        ["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png", "image/jpeg", "text/plain"]
    ).tag(config=True)
