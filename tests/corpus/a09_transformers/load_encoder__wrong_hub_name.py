"""Copies the tutorial's hub name instead of using the folder: offline, nothing loads."""


def load_encoder(path):
    if not Path(path).is_dir():
        raise FileNotFoundError(path)
    tokenizer = AutoTokenizer.from_pretrained("google-bert/bert-base-uncased", cache_dir="./cache/")
    model = AutoModel.from_pretrained("google-bert/bert-base-uncased", cache_dir="./cache/")
    return tokenizer, model.eval()
