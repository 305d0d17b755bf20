"""Writes each step's logits into a preallocated tensor."""


def free_running_loss(model, targets, bos_id, pad_id):
    batch, steps = targets.shape
    token = torch.full((batch, 1), bos_id, dtype=targets.dtype, device=targets.device)
    state, all_logits = None, None
    for t in range(steps):
        step_logits, state = model(token, state)
        if all_logits is None:
            all_logits = step_logits.new_zeros(batch, steps, step_logits.shape[-1])
        all_logits = all_logits.index_copy(1, torch.tensor([t], device=targets.device), step_logits)
        token = step_logits.detach().argmax(dim=-1)
    mask = targets != pad_id
    return F.cross_entropy(all_logits[mask], targets[mask])
