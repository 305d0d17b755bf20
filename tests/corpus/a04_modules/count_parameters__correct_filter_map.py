"""filter and map."""

import torch


def count_parameters(model, trainable_only=False):
    wanted = filter(lambda p: p.requires_grad or not trainable_only, model.parameters())
    return int(sum(map(torch.numel, wanted)))
