"""No return_tensors: Python lists, not tensors."""


def encode_batch(tokenizer, texts, max_length=None):
    return tokenizer(texts, padding=True, truncation=True, max_length=max_length)
