"""Pads with 0 instead of bos_id."""

import torch.nn.functional as F


def shift_right(targets, bos_id):
    return F.pad(targets[:, :-1], (1, 0), value=0)
