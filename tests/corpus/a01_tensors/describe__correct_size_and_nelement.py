"""t.size() is a torch.Size (a tuple); nelement() is numel(); extra keys are fine."""


def describe(t):
    return dict(
        shape=t.size(),
        dtype=f"{t.dtype}",
        device=f"{t.device}",
        requires_grad=bool(t.requires_grad),
        numel=t.nelement(),
        is_leaf=t.is_leaf,
        ndim=t.dim(),
    )
