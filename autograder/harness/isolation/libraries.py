"""Libraries students import beside the exercises (a notebook that plots its loss curve), imported
once in a zygote of their own instead of in every worker.

``import matplotlib.pyplot`` costs a sandboxed worker ~0.6 s of CPU: its font list is built from
scratch each time, as no cache survives a worker (and no font configuration is inside the sandbox).
A notebook that plots would pay that in each of its assignment's ~20 workers. So a worker whose
submission mentions such a library is forked from a zygote that imported it before any fork (one per
grading process and kind of zygote, started on first use): the worker finds it in ``sys.modules``.

This only decides where a worker is forked from. The zygote imports the installed library, never
the student's code, and each test still gets a fresh worker; a submission that merely names the
library in a comment costs one zygote start, nothing else. A library that is not installed is not
preloaded (the student's import fails in the worker as it would anywhere), and one that fails to
import in the zygote is left out there (the worker then imports it itself, and meets the error).

Course staff who let students use another heavy library add it to ``LIBRARIES``.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys
import tempfile

# What a submission's bytes must contain -> the module to preload.
LIBRARIES = {b"matplotlib": "matplotlib.pyplot"}
LOADER = f"{__name__}:load"


@functools.cache
def _installed() -> tuple[str, ...]:
    return tuple(module for module in LIBRARIES.values() if _findable(module))


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module.split(".")[0]) is not None
    except (ImportError, ValueError):
        return False


def preload_for(data: bytes) -> tuple[str, ...]:
    """The zygote preload (see :mod:`autograder.harness.isolation.zygote`) a worker of a submission
    with these bytes is forked with: ``(LOADER,)`` when they mention a library of ``LIBRARIES`` that
    is installed, else ``()``. The loader imports every installed one, so there is at most one such
    zygote per kind."""
    if _installed() and any(name in data for name in LIBRARIES):
        return (LOADER,)
    return ()


def load() -> None:
    """In a zygote, before any fork: import every installed library of ``LIBRARIES``. Never raises
    (a zygote that died would cost the student every test)."""
    saved = {key: os.environ.get(key) for key in ("MPLCONFIGDIR", "MPLBACKEND")}
    with tempfile.TemporaryDirectory(prefix="autograder-mpl-") as config:
        os.environ["MPLCONFIGDIR"] = config  # matplotlib's font cache: written here, then gone
        os.environ["MPLBACKEND"] = "agg"  # no display in a worker: render to files only
        try:
            for module in _installed():
                try:
                    importlib.import_module(module)
                except Exception as exc:  # noqa: BLE001 - the worker imports it itself and meets the error
                    print(f"autograder: could not preload {module}: {type(exc).__name__}: {exc}", file=sys.stderr)
            if "matplotlib.font_manager" in sys.modules:
                _bundled_fonts_only(sys.modules["matplotlib.font_manager"])
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _bundled_fonts_only(font_manager) -> None:
    """Keep only the fonts matplotlib ships, which every worker can read. The machine's own fonts
    were found here through its font configuration, which a worker lacks, and some may lie where
    no worker can read them; a listed font a worker cannot open would make matplotlib rebuild its
    list and write a cache to the folder this zygote used, which no worker has. (A worker that
    imports matplotlib itself also finds the fonts under /usr, which the sandbox binds read-only;
    for the default family both pick matplotlib's own DejaVu Sans, and no grade reads a drawing.)"""
    import matplotlib

    bundled = os.path.join(matplotlib.get_data_path(), "")
    manager = font_manager.fontManager
    manager.ttflist = [font for font in manager.ttflist if font.fname.startswith(bundled)]
    manager.afmlist = [font for font in manager.afmlist if font.fname.startswith(bundled)]
    font_manager.FontManager._findfont_cached.cache_clear()
