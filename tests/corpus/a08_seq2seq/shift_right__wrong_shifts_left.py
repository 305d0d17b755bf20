"""Shifts the wrong way."""


def shift_right(targets, bos_id):
    return torch.cat([targets[:, 1:], torch.full_like(targets[:, :1], bos_id)], dim=1)
