"""model.train() at the end: a model handed over in eval mode comes back in train mode."""


def embed_texts(texts, tokenizer, model, batch_size=32):
    model.eval()
    device = next(model.parameters()).device
    vectors = [torch.zeros(0, model.config.hidden_size)]
    with torch.no_grad():
        for i in range(0, len(texts), batch_size):
            enc = encode_batch(tokenizer, texts[i : i + batch_size]).to(device)
            hidden = model(**enc).last_hidden_state
            vectors.append(mean_pool(hidden, enc["attention_mask"]).float().cpu())
    model.train()
    return torch.cat(vectors)
