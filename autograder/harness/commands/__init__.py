"""The instructor commands behind ``python -m autograder``: grade-all, gradescope, bench, new, audit."""
