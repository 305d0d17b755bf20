"""Lets from_pretrained fail on a missing folder (OSError, not FileNotFoundError)."""


def load_encoder(path):
    model = AutoModel.from_pretrained(path, local_files_only=True)
    model.eval()
    return AutoTokenizer.from_pretrained(path, local_files_only=True), model
