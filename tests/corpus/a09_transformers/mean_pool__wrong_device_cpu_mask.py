"""Moves the mask to the CPU."""

LOSES = ("device",)


def mean_pool(last_hidden_state, attention_mask):
    mask = attention_mask.cpu().unsqueeze(-1).float()
    return (last_hidden_state * mask).sum(1) / mask.sum(1).clamp_min(1)
