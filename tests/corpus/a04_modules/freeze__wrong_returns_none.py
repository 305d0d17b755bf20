"""Freezes, but returns nothing."""


def freeze(module):
    for p in module.parameters():
        p.requires_grad = False
