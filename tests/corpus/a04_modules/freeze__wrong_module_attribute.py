"""module.requires_grad = False sets a plain attribute."""


def freeze(module):
    module.requires_grad = False
    return module
