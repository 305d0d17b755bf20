"""torch.as_tensor builds the same tensor from a list."""


def from_list(data, dtype=None):
    return torch.as_tensor(data, dtype=dtype)
