"""Returns the bos column too."""

_reference_decode = greedy_decode


def greedy_decode(model, bos_id, eos_id, max_len, batch_size=1):
    out = _reference_decode(model, bos_id, eos_id, max_len, batch_size)
    return torch.cat([torch.full_like(out[:, :1], bos_id), out], dim=1)
