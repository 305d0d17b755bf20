"""Defaults to float32 instead of letting PyTorch infer."""


def from_list(data, dtype=None):
    return torch.tensor(data, dtype=dtype or torch.float32)
