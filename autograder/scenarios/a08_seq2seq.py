"""Trusted helpers for ``test_a08_seq2seq.py``: tiny language models, the reference losses and
greedy decoding, and the known mistakes computed the same way.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class TinyLM(nn.Module):
    """A trusted GRU language model with the a08 interface; records the shape of every input."""

    def __init__(self, vocab: int, hidden: int, seed: int) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.embedding = nn.Embedding(vocab, hidden)
        self.rnn = nn.GRU(hidden, hidden, batch_first=True)
        self.output = nn.Linear(hidden, vocab)
        self.calls: list[list[int]] = []

    def forward(self, input_ids: torch.Tensor, hidden=None):
        self.calls.append(list(input_ids.shape))
        states, hidden = self.rnn(self.embedding(input_ids), hidden)
        return self.output(states) * 3, hidden  # sharper scores: fewer argmax ties


class ScriptedLM(nn.Module):
    """Emits ``script[b, position]`` at every position, whatever it reads: decoding can be checked
    exactly. The hidden state counts positions, so carrying it and re-reading the prefix agree."""

    def __init__(self, script: torch.Tensor, vocab: int) -> None:
        super().__init__()
        self.register_buffer("script", script)
        self.vocab = vocab
        self.anchor = nn.Parameter(torch.zeros(()))  # so the model has a device to read

    def forward(self, input_ids: torch.Tensor, hidden=None):
        offset = 0 if hidden is None else int(hidden)
        steps = input_ids.shape[1]
        positions = torch.arange(offset, offset + steps, device=input_ids.device).clamp_max(self.script.shape[1] - 1)
        tokens = self.script[:, positions]  # [B, T]
        logits = F.one_hot(tokens, self.vocab).float() * 10 + self.anchor
        return logits, torch.tensor(offset + steps)


class BigramLM(nn.Module):
    """Predicts ``table[token]`` from the token it reads, whatever came before (it keeps no state):
    greedy decoding from bos must read back each prediction to follow the chain."""

    def __init__(self, table: torch.Tensor, vocab: int) -> None:
        super().__init__()
        self.register_buffer("table", table)
        self.vocab = vocab
        self.anchor = nn.Parameter(torch.zeros(()))  # so the model has a device to read

    def forward(self, input_ids: torch.Tensor, hidden=None):
        logits = F.one_hot(self.table[input_ids], self.vocab).float() * 10 + self.anchor
        return logits, torch.zeros((), device=input_ids.device)


def lm_parts(model: nn.Module) -> dict:
    """What an RNNLanguageModel is made of, found by type (attribute names are the student's)."""
    parts: dict = {}
    for module in model.modules():
        if isinstance(module, nn.Embedding):
            parts["embedding"] = {
                "num": module.num_embeddings,
                "dim": module.embedding_dim,
                "padding_idx": module.padding_idx,
                "pad_row_zero": bool((module.weight[module.padding_idx] == 0).all())
                if module.padding_idx is not None
                else False,
            }
        elif isinstance(module, nn.RNNBase):
            parts["recurrent"] = {
                "type": type(module).__name__,
                "input_size": module.input_size,
                "hidden_size": module.hidden_size,
                "num_layers": module.num_layers,
                "batch_first": module.batch_first,
            }
        elif isinstance(module, nn.Linear):
            parts["linear"] = {"in": module.in_features, "out": module.out_features}
    return parts


def lm_composed(model: nn.Module, input_ids: torch.Tensor) -> torch.Tensor:
    """Embedding, recurrent layer and Linear of ``model`` applied in order: what forward must give."""
    embedding = next(m for m in model.modules() if isinstance(m, nn.Embedding))
    recurrent = next(m for m in model.modules() if isinstance(m, nn.RNNBase))
    linear = next(m for m in model.modules() if isinstance(m, nn.Linear))
    with torch.no_grad():
        return linear(recurrent(embedding(input_ids))[0])


def shift_right(targets: torch.Tensor, bos_id: int) -> torch.Tensor:
    """a08's shift_right, for grading the losses on their own."""
    return torch.cat([torch.full_like(targets[:, :1], bos_id), targets[:, :-1]], dim=1)


def teacher_forcing_reference(model: nn.Module, targets: torch.Tensor, bos_id: int, pad_id: int) -> torch.Tensor:
    logits, _ = model(shift_right(targets, bos_id))
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=pad_id).detach()


def _free_running_logits(
    model: nn.Module, targets: torch.Tensor, bos_id: int, *, feed_argmax: bool = True, carry_hidden: bool = True
) -> torch.Tensor:
    """Generative training's logits ``[B, T, V]``: each step reads the previous step's argmax (or bos
    again, without ``feed_argmax``) and the carried hidden state (or none, without ``carry_hidden``)."""
    inputs, hidden, outs = torch.full_like(targets[:, :1], bos_id), None, []
    for _ in range(targets.shape[1]):
        logits, step_hidden = model(inputs, hidden)
        outs.append(logits)
        hidden = step_hidden if carry_hidden else None
        inputs = logits.argmax(-1) if feed_argmax else inputs
    return torch.cat(outs, 1)


def free_running_reference(model: nn.Module, targets: torch.Tensor, bos_id: int, pad_id: int) -> torch.Tensor:
    logits = _free_running_logits(model, targets, bos_id)
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=pad_id).detach()


def loss_mistake(
    model: nn.Module, targets: torch.Tensor, bos_id: int, pad_id: int, mistake: str, eos_id: int = 2
) -> torch.Tensor:
    """A known wrong a08 loss on the same model and targets (autograder.harness.grading.mistakes): the grader
    compares it with a student's wrong value to name the mistake. The model is not changed (its
    record of calls is restored)."""
    calls = list(getattr(model, "calls", []))
    flat = targets.flatten()
    with torch.no_grad():
        if mistake == "counts_padding":
            logits, _ = model(shift_right(targets, bos_id))
            loss = F.cross_entropy(logits.flatten(0, 1), flat)
        elif mistake == "no_shift":
            logits, _ = model(targets)
            loss = F.cross_entropy(logits.flatten(0, 1), flat, ignore_index=pad_id)
        elif mistake == "drops_first_position":
            logits, _ = model(targets[:, :-1])
            loss = F.cross_entropy(logits.flatten(0, 1), targets[:, 1:].flatten(), ignore_index=pad_id)
        elif mistake == "masks_special_tokens":
            logits, _ = model(shift_right(targets, bos_id))
            keep = (flat != pad_id) & (flat != bos_id) & (flat != eos_id)
            losses = F.cross_entropy(logits.flatten(0, 1), flat, reduction="none")
            loss = (losses * keep).sum() / keep.sum()
        elif mistake == "ignores_id_zero":  # ignore_index=0 written out instead of pad_id
            logits, _ = model(shift_right(targets, bos_id))
            loss = F.cross_entropy(logits.flatten(0, 1), flat, ignore_index=0)
        elif mistake == "free_ignores_id_zero":
            loss = F.cross_entropy(_free_running_logits(model, targets, bos_id).flatten(0, 1), flat, ignore_index=0)
        elif mistake == "teacher_forced":
            loss = teacher_forcing_reference(model, targets, bos_id, pad_id)
        elif mistake in ("always_bos", "drops_hidden", "free_counts_padding"):
            logits = _free_running_logits(
                model, targets, bos_id, feed_argmax=mistake != "always_bos", carry_hidden=mistake != "drops_hidden"
            )
            ignored = -100 if mistake == "free_counts_padding" else pad_id
            loss = F.cross_entropy(logits.flatten(0, 1), flat, ignore_index=ignored)
        else:
            raise ValueError(f"unknown mistake {mistake!r}")
    if hasattr(model, "calls"):
        model.calls[:] = calls
    return loss.detach()


def greedy_reference(model: nn.Module, bos_id: int, eos_id: int, max_len: int, batch_size: int) -> torch.Tensor:
    return _greedy(model, bos_id, eos_id, max_len, batch_size)


def _greedy(
    model: nn.Module,
    bos_id: int,
    eos_id: int,
    max_len: int,
    batch_size: int,
    *,
    pad_after_eos: bool = True,
    stop_early: bool = True,
) -> torch.Tensor:
    """Greedy decoding as a08 asks (or, turning a behaviour off, a known mistake of it)."""
    device = next(model.parameters()).device
    inputs = torch.full((batch_size, 1), bos_id, device=device)
    done = torch.zeros(batch_size, dtype=torch.bool, device=device)
    hidden, out = None, []
    with torch.no_grad():
        for _ in range(max_len):
            logits, hidden = model(inputs, hidden)
            step = logits[:, -1].argmax(-1)
            step = torch.where(done, eos_id, step) if pad_after_eos else step
            out.append(step)
            done |= step == eos_id
            if stop_early and done.all():
                break
            inputs = step[:, None]
    return torch.stack(out, 1) if out else torch.empty(batch_size, 0, dtype=torch.long, device=device)


def greedy_mistake(model: nn.Module, bos_id: int, eos_id: int, max_len: int, batch_size: int, mistake: str):
    """A known wrong greedy decode of the same model (autograder.harness.grading.mistakes): ``keeps_bos`` (the bos
    column returned too), ``no_eos_padding`` (a row goes on after its eos), ``never_stops_early``
    (always max_len steps). The model's record of calls is restored."""
    calls = list(getattr(model, "calls", []))
    ids = _greedy(
        model,
        bos_id,
        eos_id,
        max_len,
        batch_size,
        pad_after_eos=mistake != "no_eos_padding",
        stop_early=mistake != "never_stops_early",
    )
    if mistake == "keeps_bos":
        ids = torch.cat([torch.full_like(ids[:, :1], bos_id), ids], dim=1)
    if hasattr(model, "calls"):
        model.calls[:] = calls
    return ids
