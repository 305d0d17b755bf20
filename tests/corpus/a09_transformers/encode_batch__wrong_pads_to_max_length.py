"""padding='max_length' pads every batch to the model's maximum."""


def encode_batch(tokenizer, texts, max_length=None):
    return tokenizer(texts, padding="max_length", truncation=True, max_length=max_length, return_tensors="pt")
