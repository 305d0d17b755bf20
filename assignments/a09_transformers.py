# Student version, generated from the reference solution by `python -m autograder release`.
# Replace every `raise NotImplementedError(...)` with your code; keep the names and signatures.
"""Assignment 9 - Hugging Face encoders, offline.

Transformer-based models are more powerful and more parallel than RNNs, and they are pretrained.
The tutorial loads BERT with ``transformers``::

    tokenizer = T.AutoTokenizer.from_pretrained("google-bert/bert-base-uncased", cache_dir="./cache/")
    model = T.AutoModel.from_pretrained("google-bert/bert-base-uncased", cache_dir="./cache/")

Here every model comes from a local folder (the grader builds a tiny BERT; nothing is downloaded).
The tutorial's ``tokenizer.batch_encode_plus(text, padding=True, truncation=True,
return_tensors="pt")`` is now simply ``tokenizer(text, ...)`` (``batch_encode_plus`` is gone in
transformers 5). The encoder maps ``[B, T]`` token ids to ``[B, T, H]`` hidden states; averaging
the real (unpadded) positions gives one vector per sentence.
"""

from pathlib import Path

import torch
import torch.nn.functional as F
from transformers import AutoModel, AutoTokenizer, BatchEncoding, PreTrainedModel, PreTrainedTokenizerBase


def load_encoder(path: str | Path) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Load ``(tokenizer, model)`` with ``AutoTokenizer`` / ``AutoModel`` from the local folder ``path``.

    Never the network (``local_files_only=True``); the model is returned in eval mode.

    Raises:
        FileNotFoundError: ``path`` is not an existing folder (the message names it).
    """
    # YOUR CODE HERE
    raise NotImplementedError("load_encoder is not implemented yet")


def encode_batch(tokenizer: PreTrainedTokenizerBase, texts: list[str], max_length: int | None = None) -> BatchEncoding:
    """Tokenize ``texts`` into PyTorch tensors: padded to the longest, truncated (at ``max_length``
    when given). Returns the tokenizer's ``BatchEncoding`` (``input_ids``, ``attention_mask``, ...)."""
    # YOUR CODE HERE
    raise NotImplementedError("encode_batch is not implemented yet")


def mean_pool(last_hidden_state: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average each sentence's hidden states over its real tokens: ``[B, T, H], [B, T] -> [B, H]``.

    Padding positions (mask 0) count for nothing. Vectorised: no loop over the batch.

    Example:
        >>> hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]]])
        >>> mean_pool(hidden, torch.tensor([[1, 1, 0]]))
        tensor([[2., 3.]])
    """
    # YOUR CODE HERE
    raise NotImplementedError("mean_pool is not implemented yet")


def embed_texts(
    texts: list[str], tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel, batch_size: int = 32
) -> torch.Tensor:
    """One mean-pooled vector per text: ``[N, H]``, float32 on the CPU, in the order of ``texts``.

    Encode ``batch_size`` texts at a time with :func:`encode_batch`, move them to the model's device,
    run the model in eval mode without gradients (the same text always gives the same vector, even
    for a model handed over in train mode), pool with :func:`mean_pool`. The model is left in the
    mode it came in. An empty list gives shape ``[0, H]``.
    """
    # YOUR CODE HERE
    raise NotImplementedError("embed_texts is not implemented yet")


def cosine_similarity_matrix(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Cosine similarity of every row of ``a`` with every row of ``b``: ``[n, d], [m, d] -> [n, m]``.

    Vectorised (normalise the rows, then one matrix product).

    Example:
        >>> cosine_similarity_matrix(torch.tensor([[1.0, 0.0], [1.0, 1.0]]), torch.tensor([[2.0, 0.0]]))
        tensor([[1.0000],
                [0.7071]])
    """
    # YOUR CODE HERE
    raise NotImplementedError("cosine_similarity_matrix is not implemented yet")
