"""Keeps generating after a row's eos."""


def greedy_decode(model, bos_id, eos_id, max_len, batch_size=1):
    device = next(model.parameters()).device
    inputs = torch.full((batch_size, 1), bos_id, dtype=torch.long, device=device)
    finished = torch.zeros(batch_size, dtype=torch.bool, device=device)
    hidden, out = None, []
    with torch.no_grad():
        for _ in range(max_len):
            logits, hidden = model(inputs, hidden)
            step = logits[:, -1].argmax(-1)
            out.append(step)
            finished |= step == eos_id
            if finished.all():
                break
            inputs = step[:, None]
    return torch.stack(out, dim=1)
