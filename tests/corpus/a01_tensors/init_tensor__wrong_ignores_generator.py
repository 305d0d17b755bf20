"""Random kinds draw from the global RNG."""

_reference_init = init_tensor


def init_tensor(kind, shape, *, dtype=torch.float32, device=None, generator=None):
    return _reference_init(kind, shape, dtype=dtype, device=device, generator=None)
