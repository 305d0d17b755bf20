"""einsum for the weighted sum."""


def mean_pool(last_hidden_state, attention_mask):
    weights = attention_mask.to(last_hidden_state.dtype)
    total = torch.einsum("bth,bt->bh", last_hidden_state, weights)
    return total / weights.sum(dim=1, keepdim=True).clamp(min=1)
