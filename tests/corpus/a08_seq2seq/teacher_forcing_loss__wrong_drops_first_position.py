"""Predicts targets[1:] from targets[:-1]: no bos, one position fewer."""


def teacher_forcing_loss(model, targets, bos_id, pad_id):
    logits, _ = model(targets[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets[:, 1:].reshape(-1), ignore_index=pad_id)
