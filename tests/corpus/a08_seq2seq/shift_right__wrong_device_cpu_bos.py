"""The bos column is made on the CPU."""

LOSES = ("device",)


def shift_right(targets, bos_id):
    bos = torch.full((targets.shape[0], 1), bos_id, dtype=targets.dtype)
    return torch.cat([bos, targets[:, :-1]], dim=1)
