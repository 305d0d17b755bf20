"""Calls F.cross_entropy: right values, not from scratch."""

LOSES = ("test_cross_entropy_from_scratch",)

import torch.nn.functional as F


def cross_entropy(logits, targets, ignore_index=-100):
    if (targets == ignore_index).all():
        raise ValueError("all ignored")
    return F.cross_entropy(logits, targets, ignore_index=ignore_index)
