"""Loads the grading plugin when pytest is pointed at this folder (``pytest autograder``).

The command-line options come from :mod:`autograder.pytest_options`, an installed entry point, so
that pytest knows them before it loads any conftest (see there).
"""

from autograder.harness.grading.plugin import (  # noqa: F401 - pytest finds hooks and fixtures by name
    device,
    pytest_collection_finish,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_report_header,
    pytest_runtest_logreport,
    pytest_runtest_makereport,
    pytest_runtest_protocol,
    pytest_sessionfinish,
    pytest_terminal_summary,
    pytest_unconfigure,
    reference,
    rng,
    student,
    worker,
)
