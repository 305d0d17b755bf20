"""An if/elif chain on the lower-cased name."""


def make_optimizer(name, params, lr):
    key = name.lower()
    if key == "sgd":
        return torch.optim.SGD(params, lr)
    elif key == "adam":
        return torch.optim.Adam(params, lr)
    elif key == "adamw":
        return torch.optim.AdamW(params, lr)
    raise ValueError(f"{name!r} is not one of 'sgd', 'adam', 'adamw'")
