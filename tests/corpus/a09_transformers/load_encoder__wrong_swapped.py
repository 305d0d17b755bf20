"""Returns (model, tokenizer)."""

_reference_load = load_encoder


def load_encoder(path):
    tokenizer, model = _reference_load(path)
    return model, tokenizer
