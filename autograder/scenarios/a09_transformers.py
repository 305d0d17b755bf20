"""Trusted helpers for ``test_a09_transformers.py``: a tiny BERT built locally (nothing is downloaded),
the trusted tokenizer and pooling the embeddings are judged against.
"""

from __future__ import annotations

import copy
import hashlib
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

TINY_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + (
    "i love ai ! the cat sat on a mat kitten dog runs fast hello world language models read text "
    "pytorch tensors are fun"
).split()


# Filled by warm_up() in a09's zygote, so every worker inherits them (the grading process never
# fills them): the files build_tiny_bert writes for seed 0, with the CPU random state it leaves,
# and the pair load_tiny_bert returns for those files. Each test's worker still gets its own files
# and its own copy of the pair, exactly as if it had built and loaded them (~60 ms less per test).
_BUILT: dict[int, tuple[dict[str, bytes], torch.Tensor]] = {}
_LOADED: dict[str, tuple[Any, Any]] = {}


def build_tiny_bert(folder: str, seed: int = 0) -> str:
    """A tiny BERT (2 layers, width 32) saved like a real one, built locally: nothing is downloaded.

    Leaves the global random state seeded with ``seed`` (then used by the weights' initialisation).
    transformers 5 quirk: ``BertTokenizerFast(vocab_file=...)`` would ignore the file; the slow
    ``BertTokenizer`` reads it, and ``save_pretrained`` writes what AutoTokenizer needs.
    """
    path = Path(folder).resolve()
    path.mkdir(parents=True, exist_ok=True)
    if seed in _BUILT:
        files, state = _BUILT[seed]
        for name, data in files.items():
            (path / name).write_bytes(data)
        torch.manual_seed(seed)  # every device's generator, as below
        torch.set_rng_state(state)
        return str(path)
    from transformers import BertConfig, BertModel, BertTokenizer

    (path / "vocab.txt").write_text("\n".join(TINY_VOCAB) + "\n")
    BertTokenizer(str(path / "vocab.txt")).save_pretrained(path)
    config = BertConfig(
        vocab_size=len(TINY_VOCAB),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(path)
    return str(path)


def warm_up() -> None:
    """Build, load and run a tiny BERT once in a09's zygote (PRELOAD): transformers imports much of
    itself on first use, which cost each worker ~150 ms of the ~190 ms a tiny BERT took there.
    What it built and loaded stays for the workers (see ``_BUILT``)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(build_tiny_bert(folder))
        state = torch.get_rng_state()
        files = {file.name: file.read_bytes() for file in sorted(path.iterdir())}
        tokenizer, model = load_tiny_bert(str(path))
        with torch.no_grad():
            model(**tokenize(tokenizer, ["i love ai !"]))
        _LOADED[_digest(path)] = (tokenizer, model)
        _BUILT[0] = (files, state)


def _digest(folder: Path) -> str:
    """What a saved model is, by the names and bytes of its files."""
    digest = hashlib.sha256()
    for file in sorted(folder.iterdir()):
        digest.update(f"{file.name}\0{file.stat().st_size}\0".encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def load_tiny_bert(folder: str) -> tuple:
    """``(tokenizer, model)`` loaded by trusted code, model in eval mode."""
    cached = _LOADED.get(_digest(Path(folder)))
    if cached is not None:  # the same files as the zygote loaded: a copy of what it got
        tokenizer, model = copy.deepcopy(cached)
        tokenizer.name_or_path = model.config._name_or_path = folder
        return tokenizer, model.eval()
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    return tokenizer, AutoModel.from_pretrained(folder, local_files_only=True).eval()


def tokenize(tokenizer, texts: list[str], max_length: int | None = None) -> dict:
    encoded = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    return {key: value for key, value in encoded.items()}


def encode_batch(tokenizer, texts: list[str], max_length: int | None = None):
    """a09's encode_batch, for grading embed_texts on its own."""
    return tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")


def mean_pool(last_hidden_state: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """a09's mean_pool, for grading embed_texts on its own."""
    mask = attention_mask[..., None].to(last_hidden_state.dtype)
    return (last_hidden_state * mask).sum(1) / mask.sum(1).clamp_min(1)


def embed_reference(texts: list[str], tokenizer, model) -> torch.Tensor:
    """Each text embedded on its own (no batching, no padding), in eval mode, on the CPU."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    rows = []
    with torch.no_grad():
        for text in texts:
            encoded = encode_batch(tokenizer, [text]).to(device)
            rows.append(mean_pool(model(**encoded).last_hidden_state, encoded["attention_mask"]).float().cpu())
    model.train(was_training)
    return torch.cat(rows) if rows else torch.zeros(0, model.config.hidden_size)


def is_training(model: nn.Module) -> bool:
    return model.training


def record_batch_sizes(model: nn.Module) -> None:
    """From now on, ``model.batch_sizes`` lists the batch size of each forward call (the first
    tensor argument's first dimension, ``input_ids`` as a keyword or not)."""
    model.batch_sizes = []

    def note(module: nn.Module, args: tuple, kwargs: dict, output) -> None:
        first = next((a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)), None)
        module.batch_sizes.append(None if first is None else int(first.shape[0]))

    model.register_forward_hook(note, with_kwargs=True)
