"""A copy through Python lists lands on the CPU."""

LOSES = ("device",)


def detached_copy(t):
    return torch.tensor(t.tolist(), dtype=t.dtype)
