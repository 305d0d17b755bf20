"""nbgrader: student stubs and notebooks from the solutions, hidden cells, notebook grading."""
