"""inference_mode, and moving each tensor by hand."""


def embed_texts(texts, tokenizer, model, batch_size=32):
    training = model.training
    model.eval()
    device = next(model.parameters()).device
    vectors = [torch.zeros(0, model.config.hidden_size)]
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            enc = encode_batch(tokenizer, texts[i : i + batch_size])
            enc = {k: v.to(device) for k, v in enc.items()}
            hidden = model(**enc).last_hidden_state
            vectors.append(mean_pool(hidden, enc["attention_mask"]).to("cpu", torch.float32))
    model.train(training)
    return torch.cat(vectors)
