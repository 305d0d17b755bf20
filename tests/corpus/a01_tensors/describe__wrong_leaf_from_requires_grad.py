"""is_leaf guessed as 'does not require grad'."""

_reference_describe = describe


def describe(t):
    return {**_reference_describe(t), "is_leaf": not t.requires_grad}
