"""Treats every target as a class."""


def cross_entropy(logits, targets, ignore_index=-100):
    losses = logits.logsumexp(1) - logits.gather(1, targets[:, None]).squeeze(1)
    return losses.mean()
