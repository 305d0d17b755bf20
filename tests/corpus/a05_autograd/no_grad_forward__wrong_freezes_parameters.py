"""Turns off requires_grad on the parameters instead."""


def no_grad_forward(model, x):
    for p in model.parameters():
        p.requires_grad_(False)
    return model(x)
