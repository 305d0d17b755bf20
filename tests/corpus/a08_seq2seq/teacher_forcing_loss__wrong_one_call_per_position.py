"""Feeds the true tokens one at a time: right value, T forward calls."""

LOSES = ("vectorised",)


def teacher_forcing_loss(model, targets, bos_id, pad_id):
    inputs = shift_right(targets, bos_id)
    hidden, outs = None, []
    for t in range(targets.shape[1]):
        logits, hidden = model(inputs[:, t : t + 1], hidden)
        outs.append(logits)
    logits = torch.cat(outs, dim=1)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=pad_id)
