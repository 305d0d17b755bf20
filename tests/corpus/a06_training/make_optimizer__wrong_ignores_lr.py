"""Leaves the default learning rate."""


def make_optimizer(name, params, lr):
    options = {
        "sgd": lambda: torch.optim.SGD(params, lr=0.01),
        "adam": lambda: torch.optim.Adam(params),
        "adamw": lambda: torch.optim.AdamW(params),
    }
    if name not in options:
        raise ValueError("choose sgd, adam or adamw")
    return options[name]()
