"""adamw gives Adam."""


def make_optimizer(name, params, lr):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name in ("adam", "adamw"):
        return torch.optim.Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name}; use sgd, adam or adamw")
