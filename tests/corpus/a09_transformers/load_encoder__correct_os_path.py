"""os.path.isdir, then train(False)."""

import os


def load_encoder(path):
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path} is not a folder")
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    model = AutoModel.from_pretrained(str(path))
    model.train(False)
    return tokenizer, model
