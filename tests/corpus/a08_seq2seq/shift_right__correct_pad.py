"""F.pad with the bos value."""

import torch.nn.functional as F


def shift_right(targets, bos_id):
    return F.pad(targets[:, :-1], (1, 0), value=bos_id)
