"""The bos column is int64 whatever the targets' dtype."""


def shift_right(targets, bos_id):
    bos = torch.full((targets.shape[0], 1), bos_id, device=targets.device)
    return torch.cat([bos, targets[:, :-1]], dim=1)
