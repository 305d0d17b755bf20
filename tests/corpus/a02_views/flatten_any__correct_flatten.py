"""torch.flatten has reshape semantics."""


def flatten_any(t):
    return torch.flatten(t)
