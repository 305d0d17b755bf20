"""Counts frozen parameters too."""


def count_parameters(model, trainable_only=False):
    return sum(p.numel() for p in model.parameters())
