"""Loads the grading plugin when pytest is pointed at this folder (``pytest autograder``)."""

from autograder.plugin import (  # noqa: F401 - pytest finds hooks and fixtures by name
    device,
    pytest_addoption,
    pytest_collection_finish,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_report_header,
    pytest_runtest_makereport,
    pytest_sessionfinish,
    pytest_terminal_summary,
    reference,
    rng,
    student,
    worker,
)
