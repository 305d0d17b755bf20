"""The zip Gradescope's autograder runs: ``python -m autograder gradescope --out autograder.zip``.

Gradescope unzips it into ``/autograder/source``, runs ``setup.sh`` once per image, then for each
submission runs ``run_autograder``, which must leave ``/autograder/results/results.json``. The
root is ``$AUTOGRADER_ROOT`` when set (``/autograder`` otherwise), so tests can lay out a temporary
folder like Gradescope's. The bundle holds the hidden suites and the reference solutions (for the
timing checks); students never see it, and grading never reads it from a worker.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, from /autograder/source, to build the image.
set -euo pipefail
cd "${AUTOGRADER_ROOT:-/autograder}/source"
if ! command -v g++ >/dev/null && command -v apt-get >/dev/null; then
  apt-get update -qq && apt-get install -y -qq g++ >/dev/null  # for the simulated CUDA device
fi
python3 -m pip install -q -c constraints.txt .
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it must leave results/results.json behind.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
cd "$ROOT/source" || exit 1
mkdir -p "$ROOT/results"
python3 -m pytest autograder --rootdir . --submission="$ROOT/submission" \\
  --results="$ROOT/results/results.json" -q -p no:cacheprovider
if [ ! -s "$ROOT/results/results.json" ]; then
  echo '{"score": 0, "output": "The autograder could not run; please tell the course staff.", "tests": []}' \\
    > "$ROOT/results/results.json"
fi
exit 0
"""


def bundle_files() -> list[Path]:
    """Everything the grader needs, relative to the repository."""
    files = [REPO / "pyproject.toml", REPO / "constraints.txt", REPO / "README.md"]
    files += sorted((REPO / "solutions").glob("a[0-9][0-9]_*.py"))
    files += sorted(
        p
        for p in (REPO / "autograder").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )
    return files


def build(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in bundle_files():
            archive.write(path, path.relative_to(REPO).as_posix())
        for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16  # executable, as Gradescope expects
            archive.writestr(info, text)
    return out
