"""``check(fn)`` in the released notebooks: the public check of one function, from the notebook.

The read-only cell under each function runs ``check(<function>)``. It takes what this kernel has
run so far (IPython's input history, in order; the check cells and graded cells left out), runs it
in sandboxed workers as the graders would run the saved notebook, and prints the same report as
``python -m autograder check``. The workers' zygotes stay up in this kernel, so after the first
call (seconds: torch and the simulated device start) a check answers in about a second.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from autograder.harness.preflight.check import check_file, render

CHECK_CELL = re.compile(r"^\s*(check|check_examples)\(\w+\)\s*$")
SKIPPED = ("grade_function(", "preflight.notebook import checker")  # graded cells, the helper


def _history() -> list[str]:
    """The code this kernel has run, oldest first (IPython's ``In``), without check cells."""
    try:
        from IPython import get_ipython
    except ImportError:
        return []
    shell = get_ipython()
    if shell is None:
        return []
    cells = [str(source) for source in shell.user_ns.get("In", [])[1:]]
    return [c for c in cells if c.strip() and not CHECK_CELL.match(c) and not any(s in c for s in SKIPPED)]


def _as_notebook(cells: list[str], path: Path) -> None:
    notebook = {
        "cells": [
            {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None} for c in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))


def checker(assignment: str) -> Callable[[Any], None]:
    """The ``check`` function of ``assignment``'s notebook."""

    def check(obj: Any) -> None:
        """Check ``obj`` (a function or class of this notebook): examples, device, vectorised.
        Prints the report (a notebook cell shows nothing else)."""
        name = getattr(obj, "__name__", str(obj))
        cells = _history()
        with tempfile.TemporaryDirectory(prefix="check-") as folder:
            path = Path(folder) / f"{assignment}.ipynb"
            if cells:
                _as_notebook(cells, path)
            else:  # not in IPython: the module the function was defined in, if it is a file
                source = getattr(__import__("sys").modules.get(obj.__module__), "__file__", None)
                if not source:
                    print(f"check({name}): run it in the notebook, or use python -m autograder check FILE")
                    return
                path = Path(source)
            reports = check_file(path, name)
        print(render(reports))
        failed = any(r.failed for r in reports)
        print(
            f"\n{name}: " + ("some checks FAILED." if failed else "all checks passed.") + " Passing them does not "
            "guarantee the hidden tests (other inputs, more checks); a check failing here fails there too."
        )

    return check
