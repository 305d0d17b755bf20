"""Hidden suite for a08_seq2seq. The losses and the decoder are graded on trusted models (a small GRU
language model, and a scripted one that emits eos on cue) with a trusted shift_right, so a mistake
in the student's own model or shift_right costs points only there."""

import pytest
import torch

from autograder.api import (
    Catalogue,
    Matcher,
    Mismatch,
    expect_equal,
    expect_like_cpu,
    expect_raises,
    expect_same_on_device,
    expect_tensor,
    expect_type,
    fail,
    inputs,
    isolating,
    on_cpu_first,
    on_device,
    with_note,
)
from autograder.scenarios import a08_seq2seq

ASSIGNMENT = "a08_seq2seq"
FUNCTIONS = ("RNNLanguageModel", "shift_right", "teacher_forcing_loss", "free_running_loss", "greedy_decode")
# The kinds of test each function must have: the plugin refuses to collect the suite without them.
REQUIRES = {
    "RNNLanguageModel": ("correctness", "errors", "device"),
    "shift_right": ("correctness", "device"),
    "teacher_forcing_loss": ("correctness", "vectorised", "device"),
    "free_running_loss": ("correctness", "device"),
    "greedy_decode": ("correctness", "device"),
}
# Not the usual 0, 1, 2: code that writes ignore_index=0 or starts from token 1 instead of using
# its pad_id, bos_id and eos_id arguments gets other results here.
VOCAB, HIDDEN, BOS, EOS, PAD = 13, 8, 7, 9, 4
_ORDINARY = torch.tensor([i for i in range(VOCAB) if i not in (BOS, EOS, PAD)])


def _ids(rng, batch: int, steps: int) -> torch.Tensor:
    """Token ids that are none of bos, eos and pad."""
    return _ORDINARY[torch.randint(len(_ORDINARY), (batch, steps), generator=rng)]


def _targets_with_padding(rng, batch: int = 4, steps: int = 6) -> torch.Tensor:
    """Right-padded targets whose real tokens include bos_id and eos_id on purpose (a target may be
    any vocabulary id but pad): only pad positions are left out of a loss."""
    targets = _ids(rng, batch, steps)
    targets[0, inputs.randint(rng, 0, steps - 1)] = BOS
    targets[0, steps - 1] = EOS
    for row in range(1, batch):
        end = inputs.randint(rng, 2, steps)
        targets[row, end:] = PAD
        targets[row, inputs.randint(rng, 0, end - 1)] = (BOS, EOS)[row % 2]
    return targets


def _expect_loss(got, expected: torch.Tensor, targets: torch.Tensor, mistakes: Matcher) -> None:
    """The loss must match; a mismatch says that bos and eos targets count like any other."""
    try:
        expect_tensor(got, expected, mistakes=mistakes)
    except Mismatch as exc:
        if exc.diagnosis:  # a known mistake: its own explanation says it all
            raise
        raise with_note(
            exc,
            f"(Some real targets here are bos_id={BOS} or eos_id={EOS}; only pad_id={PAD} positions are left "
            "out of the mean.)",
        ) from None


def _expect_loss_on_device(loss_fn, worker, rng, device: str) -> None:
    """The loss of a model and targets on the device is the loss of their copies on the CPU."""
    model, targets = _tiny(worker, rng), _targets_with_padding(rng)
    twin = worker.make("copy.deepcopy", model)
    on_cpu = on_cpu_first(lambda: loss_fn(twin, targets, BOS, PAD))
    model.to(device)
    got = on_device(lambda: loss_fn(model, inputs.to_device(targets, device), BOS, PAD), on_cpu)
    expect_like_cpu(got, on_cpu, device)


# -- RNNLanguageModel ----------------------------------------------------------------------------
@pytest.mark.points(2)
def test_RNNLanguageModel_structure(student, worker, rng):
    for cell, kind in (("rnn", "RNN"), ("lstm", "LSTM"), ("gru", "GRU")):
        layers, pad_id = inputs.randint(rng, 1, 2), inputs.randint(rng, 0, 3)
        model = student.RNNLanguageModel(VOCAB, HIDDEN, num_layers=layers, cell=cell, pad_id=pad_id)
        parts = worker.run(a08_seq2seq.lm_parts, model)
        for part in ("embedding", "recurrent", "linear"):
            if part not in parts:
                fail(f"cell={cell!r}: no {part} layer registered in the model")
        expect_equal(parts["embedding"]["padding_idx"], pad_id, what="the embedding's padding_idx is")
        expect_equal(
            parts["recurrent"],
            {"type": kind, "input_size": HIDDEN, "hidden_size": HIDDEN, "num_layers": layers, "batch_first": True},
            what=f"cell={cell!r}: the recurrent layer is",
        )
        expect_equal(parts["linear"], {"in": HIDDEN, "out": VOCAB}, what="the output layer is")


@pytest.mark.points(2)
def test_RNNLanguageModel_forward(student, worker, rng):
    for cell in ("rnn", "lstm", "gru"):
        model = student.RNNLanguageModel(VOCAB, HIDDEN, cell=cell)
        ids = _ids(rng, 3, 5)
        got = model(ids)
        expect_type(got, (tuple, list))
        expect_tensor(got[0], worker.run(a08_seq2seq.lm_composed, model, ids), call=f"forward (cell={cell!r})")


@pytest.mark.points(1)
def test_RNNLanguageModel_hidden_continues_a_sequence(student, rng):
    model = student.RNNLanguageModel(VOCAB, HIDDEN, cell="lstm")
    ids = _ids(rng, 2, 6)
    full = model(ids)
    first = model(ids[:, :3])
    expect_type(first, (tuple, list))
    rest = model(ids[:, 3:], first[1])
    expect_tensor(rest[0], full[0][:, 3:], call="forward on the second half with the first half's hidden state")


@pytest.mark.points(1)
def test_RNNLanguageModel_causal_and_batch_independent(student, rng):
    """Changing row 0 at position t changes nothing before t, and nothing in other rows."""
    model = student.RNNLanguageModel(VOCAB, HIDDEN, cell="gru")
    ids = _ids(rng, 3, 6)
    t = inputs.randint(rng, 1, 4)
    changed = ids.clone()
    changed[0, t] = (changed[0, t] - 3 + 1) % (VOCAB - 3) + 3
    before, after = model(ids)[0], model(changed)[0]
    expect_tensor(after[1:], before[1:], call="logits of the other rows after changing row 0")
    expect_tensor(after[0, :t], before[0, :t], call=f"logits of row 0 before position {t} after changing position {t}")


@pytest.mark.points(1)
def test_RNNLanguageModel_padding_embedding_is_zero(student, worker):
    model = student.RNNLanguageModel(VOCAB, HIDDEN, pad_id=3)
    parts = worker.run(a08_seq2seq.lm_parts, model)
    if not parts.get("embedding", {}).get("pad_row_zero"):
        fail("the embedding of pad_id is not zero: pass padding_idx=pad_id to nn.Embedding")


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_RNNLanguageModel_rejects_unknown_cells(student):
    with expect_raises(ValueError, special="cell='transformer'"):
        student.RNNLanguageModel(VOCAB, HIDDEN, cell="transformer")


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_RNNLanguageModel_device(student, worker, device, rng):
    model, ids = student.RNNLanguageModel(VOCAB, HIDDEN, cell="lstm"), _ids(rng, 2, 4)
    twin = worker.make("copy.deepcopy", model)
    on_cpu = on_cpu_first(lambda: twin(ids))
    model.to(device)
    expect_like_cpu(on_device(lambda: model(inputs.to_device(ids, device)), on_cpu), on_cpu, device)


# -- shift_right ---------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_shift_right_values(student, rng):
    for dtype in (torch.int64, torch.int32):
        targets = _ids(rng, inputs.randint(rng, 1, 4), inputs.randint(rng, 1, 6)).to(dtype)
        bos = inputs.randint(rng, 1, 5)  # never 0, so a zero-filled first column shows
        expected = torch.cat([torch.full_like(targets[:, :1], bos), targets[:, :-1]], dim=1)
        expect_tensor(student.shift_right(targets, bos), expected, mistakes=KNOWN.of("shift_right", targets, bos))


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_shift_right_device(student, device, rng):
    expect_same_on_device(student.shift_right, (_ids(rng, 2, 4), BOS), device)


# -- teacher_forcing_loss / free_running_loss ----------------------------------------------------
isolated = isolating(a08_seq2seq.shift_right, why="The losses graded with a trusted shift_right.")


def _tiny(worker, rng, device: str | None = None):
    model = worker.make(a08_seq2seq.TinyLM, VOCAB, HIDDEN, inputs.randint(rng, 0, 999))
    if device:
        model.to(device)
    return model


@pytest.mark.points(3)
def test_teacher_forcing_loss_value(isolated, worker, rng):
    model, targets = _tiny(worker, rng), _targets_with_padding(rng)
    expected = worker.run(a08_seq2seq.teacher_forcing_reference, model, targets, BOS, PAD)
    got = isolated.teacher_forcing_loss(model, targets, BOS, PAD)
    _expect_loss(got, expected, targets, KNOWN.of("teacher_forcing_loss", worker, model, targets))


@pytest.mark.points(2)
@pytest.mark.kind("vectorised")
def test_teacher_forcing_loss_one_forward_call(isolated, worker, rng):
    model, targets = _tiny(worker, rng), _targets_with_padding(rng)
    isolated.teacher_forcing_loss(model, targets, BOS, PAD)
    calls = model.calls.fetch()
    batch, steps = targets.shape
    if len(calls) != 1 or calls[0][0] != batch or calls[0][1] < steps - 1:  # its length is the value tests' concern
        fail(
            f"the model was called {len(calls)} times with inputs {calls}; teacher forcing needs one call "
            f"on the whole shifted batch {list(targets.shape)}"
        )


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_teacher_forcing_loss_device(isolated, worker, device, rng):
    _expect_loss_on_device(isolated.teacher_forcing_loss, worker, rng, device)


@pytest.mark.points(3)
def test_free_running_loss_value(isolated, worker, rng):
    """An untrained model may predict one token whatever it reads; when that token is bos, feeding
    bos every step gives the right loss by luck. So the model is drawn again (a few times at most)
    until the known wrong ways of feeding it give other losses than the right one."""
    for _ in range(8):
        model, targets = _tiny(worker, rng), _targets_with_padding(rng)
        expected = worker.run(a08_seq2seq.free_running_reference, model, targets, BOS, PAD)
        wrong = [_loss(worker, model, targets, m) for m in ("always_bos", "drops_hidden", "teacher_forced")]
        if not any(torch.isclose(w, expected, rtol=1e-4, atol=1e-6) for w in wrong):
            break
    got = isolated.free_running_loss(model, targets, BOS, PAD)
    _expect_loss(got, expected, targets, KNOWN.of("free_running_loss", worker, model, targets))


@pytest.mark.points(1)
def test_free_running_loss_steps_one_token_at_a_time(isolated, worker, rng):
    model, targets = _tiny(worker, rng), _targets_with_padding(rng, batch=3, steps=5)
    isolated.free_running_loss(model, targets, BOS, PAD)
    calls = model.calls.fetch()
    if calls != [[3, 1]] * 5:
        fail(f"the model was called with inputs {calls}; generative training feeds one token per row per step")


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_free_running_loss_device(isolated, worker, device, rng):
    _expect_loss_on_device(isolated.free_running_loss, worker, rng, device)


# -- greedy_decode -------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_greedy_decode_matches_greedy_search(student, worker, rng):
    model = _tiny(worker, rng)
    batch, max_len = inputs.randint(rng, 1, 4), inputs.randint(rng, 3, 8)
    expected = worker.run(a08_seq2seq.greedy_reference, model, BOS, EOS, max_len, batch)
    got = student.greedy_decode(model, BOS, EOS, max_len, batch_size=batch)
    expect_tensor(got, expected, mistakes=KNOWN.of("greedy_decode", worker, model, max_len, batch))


@pytest.mark.points(2)
def test_greedy_decode_stops_early_and_pads_with_eos(student, worker, rng):
    """Row r says eos at a scripted step; decoding stops once every row has, padding with eos."""
    batch, max_len = 3, 10
    stops = [inputs.randint(rng, 0, 5) for _ in range(batch)]
    script = _ids(rng, batch, max_len)
    for row, stop in enumerate(stops):
        script[row, stop] = EOS
    model = worker.make(a08_seq2seq.ScriptedLM, script, VOCAB)
    expected = script[:, : max(stops) + 1].clone()
    for row, stop in enumerate(stops):
        expected[row, stop:] = EOS
    got = student.greedy_decode(model, BOS, EOS, max_len, batch_size=batch)
    expect_tensor(got, expected, mistakes=KNOWN.of("greedy_decode", worker, model, max_len, batch))


@pytest.mark.points(1)
def test_greedy_decode_respects_max_len(student, worker, rng):
    script = _ids(rng, 2, 12)  # never eos
    model = worker.make(a08_seq2seq.ScriptedLM, script, VOCAB)
    max_len = inputs.randint(rng, 2, 6)
    got = student.greedy_decode(model, BOS, EOS, max_len, batch_size=2)
    expect_tensor(got, script[:, :max_len], mistakes=KNOWN.of("greedy_decode", worker, model, max_len, 2))


@pytest.mark.points(1)
def test_greedy_decode_feeds_back_each_prediction(student, worker, rng):
    """A model that predicts from the token it reads only: from bos the output must follow the
    chain bos -> table[bos] -> table[table[bos]] -> ..."""
    table = _ids(rng, 1, VOCAB)[0]
    model = worker.make(a08_seq2seq.BigramLM, table, VOCAB)
    max_len = inputs.randint(rng, 4, 7)
    chain, token = [], BOS
    for _ in range(max_len):
        token = int(table[token])
        chain.append(token)
    got = student.greedy_decode(model, BOS, EOS, max_len, batch_size=2)
    try:
        expect_tensor(got, torch.tensor([chain, chain]), call=f"greedy_decode(bigram model, max_len={max_len})")
    except Mismatch as exc:
        raise with_note(exc, "Each step must read the token it just predicted, not bos again.") from None


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_greedy_decode_device(student, worker, device, rng):
    model = _tiny(worker, rng)
    twin = worker.make("copy.deepcopy", model)
    on_cpu = on_cpu_first(lambda: student.greedy_decode(twin, BOS, EOS, 5, batch_size=2))
    model.to(device)
    got = on_device(lambda: student.greedy_decode(model, BOS, EOS, 5, batch_size=2), on_cpu)
    expect_like_cpu(got, on_cpu, device)


# -- known mistakes (autograder.harness.grading.mistakes): a wrong value that matches one is named ---------------
KNOWN = Catalogue()


@KNOWN.mistake(
    "shift_right",
    "shifts_left",
    "It matches shifting left (targets[:, 1:] then bos): decoder inputs start with bos and drop the "
    "last target, torch.cat([bos column, targets[:, :-1]], dim=1).",
)
def _(targets, bos_id):
    return torch.cat([targets[:, 1:], torch.full_like(targets[:, :1], bos_id)], dim=1)


@KNOWN.mistake(
    "shift_right",
    "zero_first_column",
    "It matches a first column of zeros: fill it with bos_id (torch.full_like(targets[:, :1], bos_id)).",
)
def _(targets, bos_id):
    return torch.cat([torch.zeros_like(targets[:, :1]), targets[:, :-1]], dim=1)


def _loss(worker, model, targets, mistake: str) -> torch.Tensor:
    return worker.run(a08_seq2seq.loss_mistake, model, targets, BOS, PAD, mistake, eos_id=EOS)


@KNOWN.mistake(
    "teacher_forcing_loss",
    "counts_padding",
    "It matches a loss that scores the padding positions too: leave out the targets equal to pad_id "
    "(ignore_index=pad_id).",
)
def _(worker, model, targets):
    return _loss(worker, model, targets, "counts_padding")


@KNOWN.mistake(
    "teacher_forcing_loss",
    "no_shift",
    "It matches feeding the targets themselves: the model sees the answer. Feed shift_right(targets, "
    "bos_id) and score against targets.",
)
def _(worker, model, targets):
    return _loss(worker, model, targets, "no_shift")


@KNOWN.mistake(
    "teacher_forcing_loss",
    "drops_first_position",
    "It matches predicting targets[:, 1:] from targets[:, :-1]: the first target is never scored. "
    "Start the inputs with bos (shift_right) so every position is predicted.",
)
def _(worker, model, targets):
    return _loss(worker, model, targets, "drops_first_position")


@KNOWN.mistake(
    "teacher_forcing_loss",
    "masks_special_tokens",
    "It matches leaving bos and eos targets out of the mean: only pad positions are left out.",
)
def _(worker, model, targets):
    return _loss(worker, model, targets, "masks_special_tokens")


@KNOWN.mistake(
    "teacher_forcing_loss",
    "ignores_id_zero",
    f"It matches leaving out the targets equal to 0 instead of those equal to pad_id (here {PAD}): use "
    "the pad_id argument (ignore_index=pad_id), not a fixed id.",
)
def _(worker, model, targets):
    return _loss(worker, model, targets, "ignores_id_zero")


@KNOWN.mistake(
    "free_running_loss",
    "ignores_id_zero",
    f"It matches leaving out the targets equal to 0 instead of those equal to pad_id (here {PAD}): use "
    "the pad_id argument, not a fixed id.",
)
def _(worker, model, targets):
    return _loss(worker, model, targets, "free_ignores_id_zero")


@KNOWN.mistake(
    "free_running_loss",
    "teacher_forced",
    "It matches teacher forcing (feeding the ground truth): generative training feeds the model's own "
    "argmax from the previous step, detached.",
)
def _(worker, model, targets):
    return _loss(worker, model, targets, "teacher_forced")


@KNOWN.mistake(
    "free_running_loss",
    "always_bos",
    "It matches feeding bos at every step: the next input is the previous step's argmax.",
)
def _(worker, model, targets):
    return _loss(worker, model, targets, "always_bos")


@KNOWN.mistake(
    "free_running_loss",
    "drops_hidden",
    "It matches starting every step from a fresh hidden state: carry the hidden state from one step to the next.",
)
def _(worker, model, targets):
    return _loss(worker, model, targets, "drops_hidden")


@KNOWN.mistake(
    "free_running_loss",
    "counts_padding",
    "It matches a loss that scores the padding positions too: leave out the targets equal to pad_id.",
)
def _(worker, model, targets):
    return _loss(worker, model, targets, "free_counts_padding")


def _decode(worker, model, max_len, batch, mistake: str) -> torch.Tensor:
    return worker.run(a08_seq2seq.greedy_mistake, model, BOS, EOS, max_len, batch, mistake)


@KNOWN.mistake(
    "greedy_decode",
    "keeps_bos",
    "It matches returning the bos column too: the generated ids start after bos.",
)
def _(worker, model, max_len, batch):
    return _decode(worker, model, max_len, batch, "keeps_bos")


@KNOWN.mistake(
    "greedy_decode",
    "no_eos_padding",
    "It matches rows that go on generating after their eos: once a row has produced eos_id, fill the "
    "rest of that row with eos_id (torch.where(finished, eos_id, step)).",
)
def _(worker, model, max_len, batch):
    return _decode(worker, model, max_len, batch, "no_eos_padding")


@KNOWN.mistake(
    "greedy_decode",
    "never_stops_early",
    "It matches decoding all max_len steps: stop as soon as every row has produced eos.",
)
def _(worker, model, max_len, batch):
    return _decode(worker, model, max_len, batch, "never_stops_early")
