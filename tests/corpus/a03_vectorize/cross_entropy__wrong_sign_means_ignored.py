"""Treats negative targets as the ignored ones instead of comparing with ignore_index."""

LOSES = ("test_cross_entropy_custom_ignore_index",)


def cross_entropy(logits, targets, ignore_index=-100):
    keep = targets >= 0
    if not bool(keep.any()):
        raise ValueError("every target is ignore_index")
    safe = targets.clamp_min(0)
    losses = torch.logsumexp(logits, dim=1) - logits.gather(1, safe[:, None]).squeeze(1)
    return (losses * keep).sum() / keep.sum()
