"""Averages padding too."""


def mean_pool(last_hidden_state, attention_mask):
    return last_hidden_state.mean(dim=1)
