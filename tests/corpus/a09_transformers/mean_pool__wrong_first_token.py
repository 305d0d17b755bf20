"""Takes the [CLS] position instead of a mean."""


def mean_pool(last_hidden_state, attention_mask):
    return last_hidden_state[:, 0]
