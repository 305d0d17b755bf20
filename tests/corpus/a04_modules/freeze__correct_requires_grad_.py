"""Module.requires_grad_(False)."""


def freeze(module):
    return module.requires_grad_(False)
