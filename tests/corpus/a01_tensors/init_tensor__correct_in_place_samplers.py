"""empty().normal_() / uniform_() draw the same numbers as randn / rand."""


def init_tensor(kind, shape, *, dtype=torch.float32, device=None, generator=None):
    makers = {
        "zeros": lambda: torch.zeros(shape, dtype=dtype, device=device),
        "ones": lambda: torch.ones(shape, dtype=dtype, device=device),
        "normal": lambda: torch.empty(shape, dtype=dtype, device=device).normal_(generator=generator),
        "uniform": lambda: torch.empty(shape, dtype=dtype, device=device).uniform_(generator=generator),
    }
    if kind == "eye":
        n, m = shape  # ValueError on a shape that is not 2-D
        return torch.eye(n, m, dtype=dtype, device=device)
    if kind not in makers:
        raise ValueError(f"kind must be one of {['zeros', 'ones', 'eye', 'normal', 'uniform']}, not {kind!r}")
    return makers[kind]()
