"""normal and uniform swapped."""

_reference_init = init_tensor


def init_tensor(kind, shape, *, dtype=torch.float32, device=None, generator=None):
    swap = {"normal": "uniform", "uniform": "normal"}
    return _reference_init(swap.get(kind, kind), shape, dtype=dtype, device=device, generator=generator)
