"""One sentence at a time: right values, not vectorised."""

LOSES = ("vectorised",)


def mean_pool(last_hidden_state, attention_mask):
    rows = []
    for states, mask in zip(last_hidden_state, attention_mask):
        rows.append(states[mask.bool()].mean(0))
    return torch.stack(rows)
