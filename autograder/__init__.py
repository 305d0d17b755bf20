"""Autograder for the PyTorch-for-NLP course: hidden suites, worker processes, instructor commands."""
