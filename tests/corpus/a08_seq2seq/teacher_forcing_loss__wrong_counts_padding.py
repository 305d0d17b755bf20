"""Scores the padding positions too."""


def teacher_forcing_loss(model, targets, bos_id, pad_id):
    logits, _ = model(shift_right(targets, bos_id))
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
