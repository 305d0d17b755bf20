"""Returns the embeddings on the model's device, not the CPU."""

LOSES = ("device",)


def embed_texts(texts, tokenizer, model, batch_size=32):
    device = next(model.parameters()).device
    mode = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, len(texts), batch_size):
            batch = encode_batch(tokenizer, texts[s : s + batch_size]).to(device)
            out.append(mean_pool(model(**batch).last_hidden_state, batch["attention_mask"]).float())
    model.train(mode)
    return torch.cat(out) if out else torch.zeros(0, model.config.hidden_size)
