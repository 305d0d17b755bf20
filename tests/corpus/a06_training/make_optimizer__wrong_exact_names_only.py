"""An if/elif chain on the exact lower-case names: "Adam" (the docstring's own example) is refused."""


def make_optimizer(name, params, lr):
    if name == "sgd":
        return torch.optim.SGD(params, lr)
    elif name == "adam":
        return torch.optim.Adam(params, lr)
    elif name == "adamw":
        return torch.optim.AdamW(params, lr)
    raise ValueError(f"{name!r} is not one of 'sgd', 'adam', 'adamw'")
