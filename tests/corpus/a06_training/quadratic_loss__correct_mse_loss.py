"""F.mse_loss on the predictions."""

import torch.nn.functional as F


def quadratic_loss(a, b, xs, ys):
    return F.mse_loss(a * xs * xs + b, ys)
