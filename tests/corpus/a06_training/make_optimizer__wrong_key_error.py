"""An unknown name raises KeyError, not ValueError."""


def make_optimizer(name, params, lr):
    return {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name.lower()](params, lr=lr)
