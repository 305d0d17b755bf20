"""The grader's command-line options, registered through a ``pytest11`` entry point.

Why an entry point and not ``autograder/conftest.py``: pytest parses the command line once before
any conftest is loaded. An option it does not know yet (``--submission``) is skipped and its value
(``DIR``) is taken for a test path, so pytest would import ``DIR/conftest.py`` -- a file the
student wrote -- as the grader, and could read ``DIR/pytest.ini``. Plugins installed as entry points
are loaded before the conftests, so with this module installed (``pip install -e .``),
``pytest autograder --submission DIR`` never treats ``DIR`` as anything but a value.

pytest still picks its settings file before entry points load. It searches the test path given
first, so ``pytest autograder --submission DIR`` finds the course's ``pyproject.toml``;
:func:`pytest_load_initial_conftests` refuses to go on when the settings came from inside the
submission (``pytest --submission DIR autograder`` with a ``pytest.ini`` in ``DIR``).

Import-light on purpose (no torch): pytest loads this module in every run of this environment,
where it only adds options.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("autograder")
    group.addoption("--submission", help="folder of aNN_topic.py/.ipynb files, or one file (default: assignments/)")
    group.addoption("--results", help="write Gradescope results.json here")
    group.addoption("--reference", help="folder of reference solutions for timing checks (default: solutions/)")
    group.addoption("--grade-seed", type=int, default=None, help="seed of the hidden random inputs (replay a run)")
    group.addoption("--call-timeout", type=float, default=10.0, help="seconds one call to student code may take")
    group.addoption("--import-timeout", type=float, default=30.0, help="seconds importing a submission may take")
    group.addoption("--worker-memory-mb", type=float, default=4096, help="memory a worker may map beyond torch")
    group.addoption(
        "--assignment",
        help="grade this assignment only (aNN_topic); a single-file submission is taken as it, whatever its name",
    )
    group.addoption(
        "--visibility",
        default="visible",
        choices=("visible", "after_due_date", "after_published", "hidden"),
        help="when students see each test in results.json (Gradescope's visibility; default visible)",
    )
    group.addoption("--profile", help="write where this run's seconds went here (python -m autograder bench)")
    group.addoption(
        "--require-sandbox",
        action="store_true",
        help="refuse to grade (an error result naming the missing layer) unless every sandbox layer is enforced",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Refuse a run whose settings file or test paths lie inside the submission; then start the
    zygotes a grading run will need, before its conftest imports torch (see
    :func:`autograder.harness.isolation.zygotes.start_early`)."""
    _refuse_settings_from_the_submission(early_config)
    known = early_config.known_args_namespace
    if getattr(known, "collectonly", False) or getattr(known, "help", False):
        return
    from autograder.harness.isolation import zygotes

    if zygotes.suites_run(list(known.file_or_dir)):
        _leave_out_unneeded_plugins(early_config)
    try:
        zygotes.start_early(list(known.file_or_dir), known.submission, known.assignment, known.keyword or None)
    except Exception:  # noqa: BLE001 - starting early only saves time: the run starts what it needs itself
        pass


# pytest's own plugins a grading run has no use for: student code never runs in the grading process,
# so there are no log records or unraisable exceptions of its to catch. Measured in a warm run of the
# reference: ~0.35 s capturing logs around each of ~1,000 test phases, ~0.35 s in the garbage
# collections unraisableexception forces at the end.
UNNEEDED_PLUGINS = ("logging", "unraisableexception", "threadexception")


def _leave_out_unneeded_plugins(early_config: pytest.Config) -> None:
    for name in UNNEEDED_PLUGINS:
        plugin = early_config.pluginmanager.get_plugin(name)
        if plugin is not None:
            early_config.pluginmanager.unregister(plugin)


def _refuse_settings_from_the_submission(early_config: pytest.Config) -> None:
    submission = early_config.known_args_namespace.submission
    if not submission:
        return
    inside = Path(submission).expanduser().resolve()
    suspects = [early_config.inipath] if early_config.inipath else []
    suspects += [Path(arg.split("::")[0]) for arg in early_config.known_args_namespace.file_or_dir]
    for path in suspects:
        resolved = path.expanduser().resolve()
        if resolved == inside or inside in resolved.parents:
            raise pytest.UsageError(
                f"pytest would read {path} from the submission; nothing in a submission is run or read "
                "as settings: run `pytest autograder --submission PATH` (the suites first)"
            )
