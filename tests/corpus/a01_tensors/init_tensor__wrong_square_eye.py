"""torch.eye(n) ignores m."""

_reference_init = init_tensor


def init_tensor(kind, shape, *, dtype=torch.float32, device=None, generator=None):
    if kind == "eye" and len(shape) == 2:
        return torch.eye(shape[0], dtype=dtype, device=device)
    return _reference_init(kind, shape, dtype=dtype, device=device, generator=generator)
