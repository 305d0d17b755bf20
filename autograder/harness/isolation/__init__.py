"""Sandboxed worker processes (sandbox, policy screen, zygotes), the grading side's handle on them
(remote), and what they exchange (protocol, wire, bounds)."""
