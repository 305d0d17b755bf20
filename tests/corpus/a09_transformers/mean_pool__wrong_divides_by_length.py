"""Zeroes padding but divides by the padded length."""


def mean_pool(last_hidden_state, attention_mask):
    return (last_hidden_state * attention_mask.unsqueeze(-1)).sum(1) / last_hidden_state.shape[1]
