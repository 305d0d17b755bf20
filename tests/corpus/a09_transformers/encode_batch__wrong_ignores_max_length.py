"""Truncates only at the model's limit."""


def encode_batch(tokenizer, texts, max_length=None):
    return tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
