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
        ### BEGIN SOLUTION
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}; choose one of {', '.join(CELLS)}")
        self.embedding = nn.Embedding(vocab_size, hidden_dim, padding_idx=pad_id)
        self.rnn = CELLS[cell](hidden_dim, hidden_dim, num_layers=num_layers, batch_first=True)
        self.output = nn.Linear(hidden_dim, vocab_size)
        ### END SOLUTION

    def forward(self, input_ids: torch.Tensor, hidden=None) -> tuple[torch.Tensor, object]:
        ### BEGIN SOLUTION
        states, hidden = self.rnn(self.embedding(input_ids), hidden)  # [B, T, H]
        return self.output(states), hidden  # [B, T, V]
        ### END SOLUTION


def shift_right(targets: torch.Tensor, bos_id: int) -> torch.Tensor:
    """Decoder inputs for teacher forcing: ``bos_id`` then ``targets[:, :-1]``.

    ``[B, T] -> [B, T]``, same dtype and device as ``targets``.

    Example:
        >>> shift_right(torch.tensor([[5, 6, 7]]), bos_id=1)
        tensor([[1, 5, 6]])
    """
    ### BEGIN SOLUTION
    bos = targets.new_full((targets.shape[0], 1), bos_id)
    return torch.cat([bos, targets[:, :-1]], dim=1)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    logits, _ = model(shift_right(targets, bos_id))  # [B, T, V]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=pad_id)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    batch, steps = targets.shape
    inputs = targets.new_full((batch, 1), bos_id)
    hidden, all_logits = None, []
    for _ in range(steps):
        logits, hidden = model(inputs, hidden)  # [B, 1, V]
        all_logits.append(logits)
        inputs = logits.argmax(dim=-1).detach()  # [B, 1]
    logits = torch.cat(all_logits, dim=1)  # [B, T, V]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=pad_id)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    device = next(model.parameters()).device
    inputs = torch.full((batch_size, 1), bos_id, dtype=torch.long, device=device)
    finished = torch.zeros(batch_size, dtype=torch.bool, device=device)
    hidden, generated = None, []
    with torch.no_grad():
        for _ in range(max_len):
            logits, hidden = model(inputs, hidden)
            next_ids = torch.where(finished, eos_id, logits[:, -1].argmax(dim=-1))  # [B]
            generated.append(next_ids)
            finished |= next_ids == eos_id
            if bool(finished.all()):
                break
            inputs = next_ids.unsqueeze(1)
    if not generated:
        return torch.empty((batch_size, 0), dtype=torch.long, device=device)
    return torch.stack(generated, dim=1)
    ### END SOLUTION
