"""Leaves bos and eos targets out of the mean as if they were padding (only pad is left out)."""

LOSES = ("correctness",)


def teacher_forcing_loss(model, targets, bos_id, pad_id):
    logits, _ = model(shift_right(targets, bos_id))
    keep = (targets != pad_id) & (targets != bos_id) & (targets != 2)
    losses = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none")
    return (losses * keep).sum() / keep.sum()
