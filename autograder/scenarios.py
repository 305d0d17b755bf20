"""Trusted helpers that hidden tests run *inside* a worker, next to the student's objects.

They build inputs that cannot cross the boundary (a DataLoader, a function to differentiate) and
report facts about student objects as plain data. Tests reach them by dotted path:
``worker.run("autograder.scenarios.parameter_facts", model)``.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def replace(module, name: str, trusted) -> None:
    """Grade one function in isolation: the student's module uses ``trusted`` for ``name``, so a
    mistake in a helper the student wrote (and calls) costs points only on that helper."""
    setattr(module, name, trusted)


def quadratic_loss(a, b, xs, ys):
    """a06's quadratic_loss, for grading fit_quadratic on its own."""
    return ((a * xs**2 + b - ys) ** 2).mean()


def parameter_facts(module: nn.Module) -> dict:
    """Names, shapes, requires_grad and devices of a module's parameters, and its training flags."""
    return {
        "names": [name for name, _ in module.named_parameters()],
        "requires_grad": [p.requires_grad for p in module.parameters()],
        "devices": sorted({str(p.device) for p in module.parameters()}),
        "training": [m.training for m in module.modules()],
    }


def children_types(module: nn.Module) -> list[str]:
    return [type(child).__name__ for child in module.children()]


def tensor_loader(x: torch.Tensor, y: torch.Tensor, batch_size: int) -> DataLoader:
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=False)


def grad_state(t: torch.Tensor) -> tuple[bool, torch.Tensor | None]:
    """``(t.requires_grad, t.grad)``: torch.save keeps neither ``.grad`` nor a graph."""
    return t.requires_grad, t.grad


def set_grad(t: torch.Tensor, grad: torch.Tensor) -> None:
    t.grad = grad


def set_requires_grad(module: nn.Module, names: list[str], flag: bool) -> None:
    for name, parameter in module.named_parameters():
        if name in names:
            parameter.requires_grad_(flag)


def load_weights(module: nn.Module, state: dict) -> None:
    module.load_state_dict(state)


# Functions for grad_of, as the student might pass them: scalar-valued, differentiable.
def sum_of_squares(x: torch.Tensor) -> torch.Tensor:
    return (x * x).sum()


def sin_dot(x: torch.Tensor) -> torch.Tensor:
    return (torch.sin(x) * x).sum()


def logsumexp_all(x: torch.Tensor) -> torch.Tensor:
    return torch.logsumexp(x.reshape(-1), dim=0)


class GradModeProbe(nn.Module):
    """A linear layer that records whether gradients were enabled while it ran."""

    def __init__(self, in_dim: int, out_dim: int, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.linear = nn.Linear(in_dim, out_dim)
        self.grad_enabled_during_forward: list[bool] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.grad_enabled_during_forward.append(torch.is_grad_enabled())
        return self.linear(x)


def seeded_linear(in_dim: int, out_dim: int, seed: int) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(in_dim, out_dim)


def seeded_mlp(in_dim: int, hidden: int, out_dim: int, seed: int, dropout: float = 0.0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(in_dim, hidden), nn.Tanh(), nn.Dropout(dropout), nn.Linear(hidden, out_dim))


def with_buffers_and_tied_weights(seed: int) -> nn.Module:
    """Parameters shared between two layers (counted once) and BatchNorm buffers (not parameters)."""
    torch.manual_seed(seed)
    first = nn.Linear(4, 4)
    return nn.Sequential(first, nn.BatchNorm1d(4), first, nn.Linear(4, 3))


# -- a07: data ------------------------------------------------------------------------------------
class TokenDataset(torch.utils.data.Dataset):
    """A trusted dataset of ``{"input_ids", "label"}`` items, for grading make_loader on its own."""

    def __init__(self, sequences: list[list[int]], labels: list[int]) -> None:
        self.sequences, self.labels = sequences, labels

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, i: int) -> dict:
        return {"input_ids": torch.tensor(self.sequences[i], dtype=torch.long), "label": self.labels[i]}


def collate_pad(batch: list[dict], pad_id: int = 0, max_len: int | None = None) -> dict:
    """a07's collate_pad, for grading make_loader on its own."""
    lengths = [len(item["input_ids"]) if max_len is None else min(len(item["input_ids"]), max_len) for item in batch]
    input_ids = torch.full((len(batch), max(lengths)), pad_id, dtype=torch.long)
    for row, (item, length) in enumerate(zip(batch, lengths)):
        input_ids[row, :length] = item["input_ids"][:length]
    out = {
        "input_ids": input_ids,
        "attention_mask": (torch.arange(max(lengths)) < torch.tensor(lengths)[:, None]).long(),
    }
    out["lengths"] = torch.tensor(lengths)
    if "label" in batch[0]:
        out["labels"] = torch.tensor([item["label"] for item in batch])
    return out


def batches(loader) -> list:
    """Everything one pass over ``loader`` yields."""
    return list(loader)


def batches_with_global_seed(loader, seed: int) -> list:
    torch.manual_seed(seed)
    return list(loader)


def load_with_batch_sampler(sequences: list[list[int]], labels: list[int], batch_sampler) -> list:
    loader = DataLoader(TokenDataset(sequences, labels), batch_sampler=batch_sampler, collate_fn=collate_pad)
    return list(loader)


# -- a08: language models -------------------------------------------------------------------------
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


def loss_mistake(model: nn.Module, targets: torch.Tensor, bos_id: int, pad_id: int, mistake: str) -> torch.Tensor:
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
            keep = (flat != pad_id) & (flat != bos_id) & (flat != 2)
            losses = F.cross_entropy(logits.flatten(0, 1), flat, reduction="none")
            loss = (losses * keep).sum() / keep.sum()
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


# -- a09: transformers ----------------------------------------------------------------------------
TINY_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + (
    "i love ai ! the cat sat on a mat kitten dog runs fast hello world language models read text "
    "pytorch tensors are fun"
).split()


def build_tiny_bert(folder: str, seed: int = 0) -> str:
    """A tiny BERT (2 layers, width 32) saved like a real one, built locally: nothing is downloaded.

    transformers 5 quirk: ``BertTokenizerFast(vocab_file=...)`` would ignore the file; the slow
    ``BertTokenizer`` reads it, and ``save_pretrained`` writes what AutoTokenizer needs.
    """
    from transformers import BertConfig, BertModel, BertTokenizer

    path = Path(folder).resolve()
    path.mkdir(parents=True, exist_ok=True)
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


def load_tiny_bert(folder: str) -> tuple:
    """``(tokenizer, model)`` loaded by trusted code, model in eval mode."""
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
