"""Grows the output with torch.cat; checks eos with any/all."""


def greedy_decode(model, bos_id, eos_id, max_len, batch_size=1):
    device = next(model.parameters()).device
    generated = torch.zeros((batch_size, 0), dtype=torch.long, device=device)
    token = torch.full((batch_size, 1), bos_id, dtype=torch.long, device=device)
    state = None
    with torch.no_grad():
        while generated.shape[1] < max_len:
            logits, state = model(token, state)
            token = logits[:, -1:].argmax(-1)
            if generated.shape[1] > 0:
                done = (generated == eos_id).any(dim=1, keepdim=True)
                token = torch.where(done, torch.full_like(token, eos_id), token)
            generated = torch.cat([generated, token], dim=1)
            if (generated == eos_id).any(dim=1).all():
                break
    return generated
