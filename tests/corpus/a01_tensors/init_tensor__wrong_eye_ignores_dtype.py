"""'eye' forgets dtype=: always float32 (a mutant `audit` found surviving)."""

_reference_init_tensor = init_tensor


def init_tensor(kind, shape, *, dtype=torch.float32, device=None, generator=None):
    if kind == "eye" and len(shape) == 2:
        return torch.eye(shape[0], shape[1], device=device)
    return _reference_init_tensor(kind, shape, dtype=dtype, device=device, generator=generator)
