"""log_softmax, gather, and a mask of real positions."""


def teacher_forcing_loss(model, targets, bos_id, pad_id):
    logits, _ = model(shift_right(targets, bos_id))
    logp = logits.log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    real = (targets != pad_id).to(logp.dtype)
    return -(logp * real).sum() / real.sum()
