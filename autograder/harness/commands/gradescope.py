"""The zip Gradescope's autograder runs: ``python -m autograder gradescope [--assignment aNN_topic]``.

Gradescope unzips it into ``/autograder/source``, runs ``setup.sh`` once per image (as root), then
for each submission runs ``run_autograder``, which must leave ``/autograder/results/results.json``.
The root is ``$AUTOGRADER_ROOT`` when set (``/autograder`` otherwise), so tests can lay out a
temporary folder like Gradescope's.

- **One assignment** (``--assignment a03_vectorize``): the bundle holds that suite and its reference
  solution only; a submission is graded on that assignment alone (its tests, its maximum). The
  student may upload ``a03_vectorize.py`` / ``.ipynb`` (or a zip holding it); a lone ``.py`` /
  ``.ipynb`` under another name is taken as the assignment. Without ``--assignment``: the course.
- **setup.sh** makes a virtual environment (``/autograder/venv``: PEP 668 images refuse a system
  pip install), takes PyTorch's CPU-only build (``$TORCH_INDEX``, PyTorch's CPU index by default:
  PyPI's Linux wheel pulls gigabytes of CUDA libraries; set it empty to use pip's configuration),
  installs the course *editable* (site-packages then holds a path, not a copy of the suites: a
  worker's root binds the venv, never ``/autograder/source``), builds the simulated-CUDA library once
  into ``/autograder/cache``, and makes the source folder root-only.
- **run_autograder** grades with ``--require-sandbox`` unless the bundle was built with
  ``--allow-unsandboxed``: where the container refuses a sandbox layer, results.json is an error
  result naming it (score 0, "not final") instead of grades from unisolated code. Test visibility
  is the bundle's ``--visibility``.

The bundle never contains the repository's tests, corpus or other assignments' solutions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from autograder import REPO
from autograder.harness.grading import command

CONFIG = "gradescope.json"  # in the bundle: which assignment, visibility, whether the sandbox is required

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, as root, from /autograder/source, to build the image.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source"
if command -v apt-get >/dev/null && ! { command -v g++ >/dev/null && python3 -c 'import ensurepip' 2>/dev/null; }; then
  apt-get update -qq && apt-get install -y -qq g++ python3-venv >/dev/null  # the simulated CUDA device; venv
fi
python3 -m venv "$ROOT/venv"
TORCH_INDEX="${TORCH_INDEX-https://download.pytorch.org/whl/cpu}"  # empty: pip's own configuration
"$ROOT/venv/bin/python" -m pip install -q -c constraints.txt ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} -e .
AUTOGRADER_CACHE="$ROOT/cache" "$ROOT/venv/bin/python" -c \\
  'from autograder.harness.isolation.simcuda.build import library; print("simulated CUDA device:", library())'
chmod -R go-rwx "$ROOT/source" "$ROOT/cache"  # the suites and solutions: for the grader only
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it must leave results/results.json behind.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="$ROOT/venv/bin/python"
[ -x "$PYTHON" ] || PYTHON=python3
cd "$ROOT/source" || exit 1
AUTOGRADER_CACHE="$ROOT/cache" exec "$PYTHON" -m autograder.harness.commands.gradescope "$ROOT"
"""


def bundle_files(assignment: str | None = None) -> list[Path]:
    """Everything the grader needs, relative to the repository: the harness, the suites and the
    reference solutions (only ``assignment``'s when given)."""
    chosen = command.assignments() if assignment is None else [assignment]
    files = [REPO / "pyproject.toml", REPO / "constraints.txt", REPO / "README.md"]
    files += [REPO / "solutions" / f"{name}.py" for name in chosen]
    suites = {f"test_{name}.py" for name in chosen}
    files += sorted(
        p
        for p in (REPO / "autograder").rglob("*")
        if p.is_file()
        and "__pycache__" not in p.parts
        and p.suffix != ".pyc"
        and (not p.name.startswith("test_a") or p.name in suites)
    )
    return files


def build(
    out: Path, *, assignment: str | None = None, visibility: str = "visible", require_sandbox: bool = True
) -> Path:
    """Write the bundle to ``out``. Raises ValueError for an assignment the course does not have."""
    if assignment is not None and assignment not in command.assignments():
        raise ValueError(f"no assignment {assignment!r}; the course has {', '.join(command.assignments())}")
    settings = {"assignment": assignment, "visibility": visibility, "require_sandbox": require_sandbox}
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in bundle_files(assignment):
            archive.write(path, path.relative_to(REPO).as_posix())
        archive.writestr(CONFIG, json.dumps(settings, indent=2))
        for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16  # executable, as Gradescope expects
            archive.writestr(info, text)
    return out


def choose_submission(folder: Path, assignment: str | None) -> Path:
    """What to grade in Gradescope's submission folder.

    The whole folder, unless grading one assignment and its file is not at the top: then the
    shallowest file named after it (a zip upload keeps its folders), else a lone ``.py`` /
    ``.ipynb`` at the top, whatever its name. Links are never followed.
    """
    if assignment is None or any((folder / f"{assignment}{s}").exists() for s in (".py", ".ipynb")):
        return folder
    for depth in range(1, 4):
        for suffix in (".py", ".ipynb"):
            found = sorted(folder.glob("/".join(["*"] * depth) + f"/{assignment}{suffix}"))
            found = [p for p in found if not any(q.is_symlink() for q in (p, *p.parents) if folder in q.parents)]
            if found:
                return found[0]
    lone = [p for p in folder.iterdir() if p.suffix in (".py", ".ipynb") and p.is_file() and not p.is_symlink()]
    return lone[0] if len(lone) == 1 else folder


def run(root: Path) -> int:
    """Grade ``root/submission`` into ``root/results/results.json`` (``run_autograder``'s body)."""
    config = command.SUITES.parent / CONFIG  # beside the package: the bundle's root
    settings = json.loads(config.read_text()) if config.exists() else {}
    assignment = settings.get("assignment")
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.unlink(missing_ok=True)
    extra = [f"--visibility={settings.get('visibility', 'visible')}"]
    if settings.get("require_sandbox", True):
        extra.append("--require-sandbox")
    submission = choose_submission(root / "submission", assignment)
    cmd = command.pytest_command(submission, results, *extra, assignment=assignment)
    code = subprocess.run(cmd, cwd=command.SUITES.parent).returncode
    if not results.exists() or not results.read_text().strip():
        message = f"The autograder could not run (exit code {code}); please tell the course staff."
        results.write_text(json.dumps({"score": 0, "output": message, "tests": []}))
    return 0


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("AUTOGRADER_ROOT", "/autograder"))))
