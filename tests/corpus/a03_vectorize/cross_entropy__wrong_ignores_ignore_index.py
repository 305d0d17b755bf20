"""Treats every target as a class. Two behaviours of the spec are missing: leaving ignored rows out, and the ValueError when all are ignored."""

LOSES = ("correctness", "errors")


def cross_entropy(logits, targets, ignore_index=-100):
    losses = logits.logsumexp(1) - logits.gather(1, targets[:, None]).squeeze(1)
    return losses.mean()
