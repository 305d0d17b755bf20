"""Feeds the ground truth: that is teacher forcing, not generative training."""


def free_running_loss(model, targets, bos_id, pad_id):
    batch, steps = targets.shape
    inputs = targets.new_full((batch, 1), bos_id)
    hidden, outs = None, []
    for t in range(steps):
        logits, hidden = model(inputs, hidden)
        outs.append(logits)
        inputs = targets[:, t : t + 1]
    logits = torch.cat(outs, dim=1)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=pad_id)
