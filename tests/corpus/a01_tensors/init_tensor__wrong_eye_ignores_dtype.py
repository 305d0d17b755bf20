"""'eye' forgets dtype=: always float32 (a mutant `audit` found surviving)."""


def init_tensor(kind, shape, dtype=torch.float32, device=None, generator=None):
    if kind == "zeros":
        return torch.zeros(shape, dtype=dtype, device=device)
    if kind == "ones":
        return torch.ones(shape, dtype=dtype, device=device)
    if kind == "eye":
        if len(shape) != 2:
            raise ValueError(f"'eye' needs a 2-D shape (n, m), got {tuple(shape)}")
        return torch.eye(shape[0], shape[1], device=device)
    if kind == "normal":
        return torch.randn(shape, dtype=dtype, device=device, generator=generator)
    if kind == "uniform":
        return torch.rand(shape, dtype=dtype, device=device, generator=generator)
    raise ValueError(f"unknown kind {kind!r}; valid kinds are {', '.join(VALID_KINDS)}")
