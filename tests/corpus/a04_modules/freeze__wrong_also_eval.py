"""Freezes and switches to eval mode."""


def freeze(module):
    for p in module.parameters():
        p.requires_grad = False
    return module.eval()
