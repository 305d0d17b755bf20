"""torch.set_grad_enabled(False)."""


def no_grad_forward(model, x):
    with torch.set_grad_enabled(False):
        out = model(x)
    return out
