"""padding='longest' is padding=True."""


def encode_batch(tokenizer, texts, max_length=None):
    kwargs = {"max_length": max_length} if max_length is not None else {}
    return tokenizer(list(texts), return_tensors="pt", padding="longest", truncation=True, **kwargs)
