"""Decoding starts from token 1 (the usual bos) instead of bos_id."""


def greedy_decode(model, bos_id, eos_id, max_len, batch_size=1):
    device = next(model.parameters()).device
    inputs = torch.full((batch_size, 1), 1, dtype=torch.long, device=device)
    finished = torch.zeros(batch_size, dtype=torch.bool, device=device)
    hidden, generated = None, []
    with torch.no_grad():
        for _ in range(max_len):
            logits, hidden = model(inputs, hidden)
            next_ids = torch.where(finished, eos_id, logits[:, -1].argmax(dim=-1))
            generated.append(next_ids)
            finished = finished | (next_ids == eos_id)
            if bool(finished.all()):
                break
            inputs = next_ids[:, None]
    if not generated:
        return torch.empty((batch_size, 0), dtype=torch.long, device=device)
    return torch.stack(generated, dim=1)
