"""eval() is about dropout and BatchNorm, not gradients."""


def freeze(module):
    module.eval()
    return module
