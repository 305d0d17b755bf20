"""log_softmax is allowed (only cross_entropy / nll_loss are not)."""


def cross_entropy(logits, targets, ignore_index=-100):
    keep = targets.ne(ignore_index)
    if keep.sum() == 0:
        raise ValueError("no target to score")
    logp = torch.log_softmax(logits, dim=-1)
    picked = logp.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked * keep).sum() / keep.sum()
