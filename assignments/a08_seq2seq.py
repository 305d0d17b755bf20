# Student version, generated from the reference solution by `python -m autograder release`.
# Replace every `raise NotImplementedError(...)` with your code; keep the names and signatures.
"""Assignment 8 - an RNN language model, teacher forcing and generation.

Data flow in an RNN model (the tutorial's example: 20000 words in the dictionary, hidden size 768):
token ids ``[B, T]`` -> embedding ``[B, T, H]`` -> recurrent layer ``[B, T, H]`` -> linear
``[B, T, V]``, the scores of the next word at every position.

Two ways to train it on the ground truth "I love AI !":

- **Generative training** feeds the model its own previous prediction. If it makes a mistake early
  on, that error is used in later training, which makes training unstable.
- **Teacher forcing** feeds the ground truth, shifted right by one (``<bos> I love AI``), so every
  position learns ``P(next word | true prefix)`` in one forward call. It is more stable.
"""

import torch
import torch.nn.functional as F
from torch import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class RNNLanguageModel(nn.Module):
    """Embedding -> recurrent layer -> Linear over the vocabulary.

    ``__init__(vocab_size, hidden_dim, num_layers=1, cell="rnn", pad_id=0)``: an
    ``nn.Embedding(vocab_size, hidden_dim, padding_idx=pad_id)``; an ``nn.RNN``, ``nn.LSTM`` or
    ``nn.GRU`` (``cell``) from ``hidden_dim`` to ``hidden_dim`` with ``num_layers`` layers and
    ``batch_first=True``; an ``nn.Linear(hidden_dim, vocab_size)``.

    ``forward(input_ids, hidden=None)``: ``input_ids`` LongTensor ``[B, T]``; returns
    ``(logits [B, T, vocab_size], hidden)``, where ``hidden`` is the recurrent layer's final state
    (a tuple ``(h, c)`` for an LSTM); pass it back in to continue a sequence.

    Raises:
        ValueError: ``cell`` is not ``"rnn"``, ``"lstm"`` or ``"gru"``.

    Example:
        >>> model = RNNLanguageModel(vocab_size=10, hidden_dim=8, cell="lstm")
        >>> logits, (h, c) = model(torch.tensor([[1, 2, 3]]))
        >>> logits.shape, h.shape
        (torch.Size([1, 3, 10]), torch.Size([1, 1, 8]))
    """

    def __init__(
        self, vocab_size: int, hidden_dim: int, num_layers: int = 1, cell: str = "rnn", pad_id: int = 0
    ) -> None:
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError("RNNLanguageModel.__init__ is not implemented yet")

    def forward(self, input_ids: torch.Tensor, hidden=None) -> tuple[torch.Tensor, object]:
        # YOUR CODE HERE
        raise NotImplementedError("RNNLanguageModel.forward is not implemented yet")


def shift_right(targets: torch.Tensor, bos_id: int) -> torch.Tensor:
    """Decoder inputs for teacher forcing: ``bos_id`` then ``targets[:, :-1]``.

    ``[B, T] -> [B, T]``, same dtype and device as ``targets``.

    Example:
        >>> shift_right(torch.tensor([[5, 6, 7]]), bos_id=1)
        tensor([[1, 5, 6]])
    """
    # YOUR CODE HERE
    raise NotImplementedError("shift_right is not implemented yet")


def teacher_forcing_loss(model: nn.Module, targets: torch.Tensor, bos_id: int, pad_id: int) -> torch.Tensor:
    """Teacher-forced cross-entropy of ``model`` on ``targets`` ``[B, T]``, in ONE forward call.

    Feed ``shift_right(targets, bos_id)``; score the logits at every position against ``targets``;
    return the mean over positions whose target is not ``pad_id`` (a 0-d tensor).

    Example:
        >>> model = RNNLanguageModel(vocab_size=10, hidden_dim=8)
        >>> loss = teacher_forcing_loss(model, torch.tensor([[5, 6, 0]]), bos_id=1, pad_id=0)
        >>> loss.shape, loss.requires_grad
        (torch.Size([]), True)
    """
    # YOUR CODE HERE
    raise NotImplementedError("teacher_forcing_loss is not implemented yet")


def free_running_loss(model: nn.Module, targets: torch.Tensor, bos_id: int, pad_id: int) -> torch.Tensor:
    """Generative training: the same loss, but the model reads its own predictions.

    Step by step for ``t = 0 .. T-1``: feed one token per row (``bos_id`` at ``t = 0``, afterwards
    the argmax of the previous step's logits, detached), carrying the hidden state; collect the
    logits. Score them against ``targets`` as :func:`teacher_forcing_loss` does.

    Example:
        >>> model = RNNLanguageModel(vocab_size=10, hidden_dim=8)
        >>> loss = free_running_loss(model, torch.tensor([[5, 6, 0]]), bos_id=1, pad_id=0)
        >>> loss.shape, loss.requires_grad
        (torch.Size([]), True)
    """
    # YOUR CODE HERE
    raise NotImplementedError("free_running_loss is not implemented yet")


def greedy_decode(model: nn.Module, bos_id: int, eos_id: int, max_len: int, batch_size: int = 1) -> torch.Tensor:
    """Generate by always taking the most likely next token, starting from ``bos_id``.

    Returns a LongTensor ``[batch_size, L]`` on the model's device, ``L <= max_len``, without the
    ``bos``. Stop as soon as every row has produced ``eos_id`` (so ``L`` may be shorter than
    ``max_len``); after its ``eos`` a row is filled with ``eos_id``. No gradients are needed.

    Example:
        >>> model = RNNLanguageModel(vocab_size=10, hidden_dim=8)
        >>> out = greedy_decode(model, bos_id=1, eos_id=2, max_len=5, batch_size=3)
        >>> out.dtype, out.shape[0], out.shape[1] <= 5
        (torch.int64, 3, True)
    """
    # YOUR CODE HERE
    raise NotImplementedError("greedy_decode is not implemented yet")
