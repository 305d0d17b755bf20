"""The standard library's idiom for a missing folder: FileNotFoundError(errno.ENOENT, ..., path)."""

import errno
import os


def load_encoder(path):
    if not os.path.isdir(path):
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(path))
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True).eval()
    return tokenizer, model
