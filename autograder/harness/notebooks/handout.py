"""The students' package: the public check (``python -m autograder check``, ``check(fn)`` in the
notebooks) as a wheel, built by ``python -m autograder release`` into ``release/student-package/``.

What students get is the notebooks (``release/aNN_topic/``), the ``.py`` stubs (``assignments/``)
and this wheel. The wheel holds the public harness only, chosen by an allowlist (:data:`PUBLIC`):
the worker machinery and sandbox, the checks and their feedback, the simulated CUDA device's
source, the check and its manifest. No hidden suite (``test_*.py``), no solution, no trusted helper
that computes a reference answer (``autograder/scenarios/`` ships ``preflight.py`` alone), no
instructor command. The wheel is a build product (not committed: ``.gitignore``), written byte for
byte the same from the same files (sorted entries, fixed timestamps).

Students install it with ``pip install release/student-package/<wheel>`` (it needs torch and numpy,
which the course's notebooks need anyway).
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

from autograder import PACKAGE

NAME = "pytorch_nlp_course_check"
VERSION = "1.0"
FOLDER = "student-package"
WHEEL = f"{NAME}-{VERSION}-py3-none-any.whl"
# Paths under autograder/ that students get (folders take every .py/.cpp/.json file in them).
PUBLIC = (
    "__init__.py",
    "__main__.py",
    "harness/__init__.py",
    "harness/isolation",
    "harness/grading",
    "harness/preflight",
    "scenarios/__init__.py",
    "scenarios/preflight.py",
)
SUFFIXES = (".py", ".cpp", ".json")
EPOCH = (2026, 1, 1, 0, 0, 0)
METADATA = f"""Metadata-Version: 2.1
Name: {NAME.replace("_", "-")}
Version: {VERSION}
Summary: The PyTorch-for-NLP course's public check: docstring examples, device and vectorisation, before you submit.
Requires-Python: >=3.10
Requires-Dist: torch>=2.2
Requires-Dist: numpy>=1.24
"""
WHEEL_INFO = "Wheel-Version: 1.0\nGenerator: autograder release\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def public_files() -> list[tuple[str, bytes]]:
    """``(path in the wheel, contents)`` for every file students get, sorted."""
    found: dict[str, bytes] = {}
    for entry in PUBLIC:
        source = PACKAGE / entry
        paths = [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.suffix in SUFFIXES)
        for path in paths:
            if "__pycache__" not in path.parts:
                found[f"autograder/{path.relative_to(PACKAGE).as_posix()}"] = path.read_bytes()
    return sorted(found.items())


def wheel_bytes() -> bytes:
    files = public_files()
    info = f"{NAME}-{VERSION}.dist-info"
    files += [(f"{info}/METADATA", METADATA.encode()), (f"{info}/WHEEL", WHEEL_INFO.encode())]
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in files] + [f"{info}/RECORD,,"]
    files.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files:
            entry = zipfile.ZipInfo(path, date_time=EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
    return buffer.getvalue()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def path(course: Path) -> Path:
    return course / "release" / FOLDER / WHEEL


def write(course: Path) -> bool:
    """Write the wheel under ``course/release/``; True when it changed."""
    target, data = path(course), wheel_bytes()
    if target.exists() and target.read_bytes() == data:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob("*.whl"):
        old.unlink()
    target.write_bytes(data)
    return True
