"""The pytest plugin, the checks a suite calls, feedback (describe, mistakes), scores and results."""
