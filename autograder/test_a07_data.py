"""Hidden suite for a07_data: datasets, padding, loaders and length buckets on random ragged data."""

import pytest
import torch

from autograder.api import (
    Catalogue,
    Matcher,
    Mismatch,
    expect_equal,
    expect_raises,
    expect_same_on_device,
    expect_tensor,
    expect_type,
    fail,
    inputs,
    isolating,
    naming_mistakes,
    with_note,
)
from autograder.scenarios import a07_data

ASSIGNMENT = "a07_data"
FUNCTIONS = ("SequenceDataset", "collate_pad", "make_loader", "length_buckets")
# The kinds of test each function must have: the plugin refuses to collect the suite without them.
REQUIRES = {
    "SequenceDataset": ("correctness", "errors"),
    "collate_pad": ("correctness", "errors", "device"),
    "make_loader": ("correctness",),
    "length_buckets": ("correctness",),
}


def _ragged(rng, n: int, longest: int = 9, vocab: int = 50) -> list[list[int]]:
    return [torch.randint(1, vocab, (inputs.randint(rng, 1, longest),), generator=rng).tolist() for _ in range(n)]


def _labels(rng, n: int) -> list[int]:
    return torch.randint(0, 5, (n,), generator=rng).tolist()


def _collated(sequences, labels=None, pad_id=0, max_len=None) -> dict:
    lengths = [len(s) if max_len is None else min(len(s), max_len) for s in sequences]
    width = max(lengths)
    ids = torch.full((len(sequences), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, (seq, length) in enumerate(zip(sequences, lengths)):
        ids[row, :length] = torch.tensor(seq[:length])
        mask[row, :length] = 1
    out = {"input_ids": ids, "attention_mask": mask, "lengths": torch.tensor(lengths)}
    if labels is not None:
        out["labels"] = torch.tensor(labels)
    return out


def _expect_batch(
    got, expected: dict, *, check_dtype: bool = True, pad_id: int | None = None, mistakes: Matcher | None = None
) -> None:
    """``got`` holds every key of ``expected`` with its values (and dtypes, unless this test leaves
    dtypes to another). With ``pad_id``, a mask or lengths that miss real tokens equal to ``pad_id``
    are explained: structure read from the values instead of the lengths."""
    expect_type(got, dict)
    with naming_mistakes(got, mistakes):
        _expect_keys(got, expected, check_dtype, pad_id)


def _expect_keys(got: dict, expected: dict, check_dtype: bool, pad_id: int | None) -> None:
    for key, value in expected.items():
        if key not in got:
            fail(f"the batch has no {key!r} (it has {sorted(got)})")
        try:
            expect_tensor(got[key], value, call=f"batch[{key!r}]", check_dtype=check_dtype)
        except Mismatch as exc:
            if pad_id is None or key not in ("attention_mask", "lengths") or not _pad_valued_tokens(expected, pad_id):
                raise
            raise with_note(
                exc,
                f"Some real tokens of this batch have the id {pad_id}, which is also pad_id: build the mask "
                "and the lengths from each sequence's length, not from input_ids != pad_id.",
            ) from None


def _pad_valued_tokens(expected: dict, pad_id: int) -> bool:
    real = expected["attention_mask"].bool()
    return bool((expected["input_ids"][real] == pad_id).any())


def _with_pad_valued_tokens(rng, sequences: list[list[int]], pad_id: int) -> list[list[int]]:
    """Real tokens equal to ``pad_id`` on purpose (a tokenizer's id 0 can be a real token): the last
    token of the first sequence, and one random token of every other sequence."""
    out = [list(s) for s in sequences]
    out[0][-1] = pad_id
    for seq in out[1:]:
        seq[inputs.randint(rng, 0, len(seq) - 1)] = pad_id
    return out


# -- SequenceDataset -----------------------------------------------------------------------------
@pytest.mark.points(2)
def test_SequenceDataset_items(student, worker, rng):
    sequences, labels = _ragged(rng, 6), _labels(rng, 6)
    dataset = student.SequenceDataset(sequences, labels)
    expect_equal(worker.run("builtins.len", dataset), 6, what="len(dataset) is")
    for i in (0, 3, 5, -1, -6):  # -6: the first of six, a valid negative index
        item = dataset[i]
        expect_type(item, dict)
        expect_tensor(item.get("input_ids"), torch.tensor(sequences[i]), call=f"dataset[{i}]['input_ids']")
        expect_equal(item.get("label"), labels[i], what=f"dataset[{i}]['label'] is")


@pytest.mark.points(1)
def test_SequenceDataset_without_labels(student, worker, rng):
    sequences = _ragged(rng, 4)
    dataset = student.SequenceDataset(sequences)
    expect_equal(worker.run("builtins.len", dataset), 4, what="len(dataset) is")
    item = dataset[2]
    expect_type(item, dict)
    expect_equal(sorted(item), ["input_ids"], what="without labels an item has the keys")


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_SequenceDataset_rejects_bad_input(student, rng):
    sequences = _ragged(rng, 5)
    with expect_raises(ValueError, special="5 sequences and 4 labels"):
        student.SequenceDataset(sequences, _labels(rng, 4))
    dataset = student.SequenceDataset(sequences)
    for bad in (5, 17, -6):
        with expect_raises(IndexError, special=f"index {bad} of a dataset of 5"):
            dataset[bad]


# -- collate_pad ---------------------------------------------------------------------------------
def _items(sequences, labels=None) -> list[dict]:
    items = [{"input_ids": torch.tensor(s)} for s in sequences]
    for item, label in zip(items, labels or []):
        item["label"] = label
    return items


@pytest.mark.points(3)
def test_collate_pad_pads_right_and_keeps_order(student, rng):
    """Also judges the dtypes (the other collate tests judge values only)."""
    pad_id = inputs.randint(rng, 0, 3)
    sequences = [[t + 3 if t == pad_id else t for t in s] for s in _ragged(rng, inputs.randint(rng, 2, 6))]
    items = _items(sequences)
    got = student.collate_pad(items, pad_id=pad_id)
    _expect_batch(got, _collated(sequences, pad_id=pad_id), mistakes=KNOWN.of("collate_pad", items, pad_id=pad_id))
    if "labels" in got:
        fail("items without labels should give no 'labels'")


@pytest.mark.points(1)
def test_collate_pad_labels(student, rng):
    sequences, labels = _ragged(rng, 4), _labels(rng, 4)
    items = _items(sequences, labels)
    got = student.collate_pad(items)
    expected = _collated(sequences, labels)
    _expect_batch(got, expected, check_dtype=False, mistakes=KNOWN.of("collate_pad", items))
    try:  # the other keys' dtypes are judged by test_collate_pad_pads_right_and_keeps_order
        expect_tensor(got["labels"], expected["labels"], call="batch['labels']")
    except Mismatch as exc:
        raise with_note(
            exc,
            "Class labels are int64, what F.cross_entropy takes: torch.tensor(labels) keeps Python ints as "
            "int64, torch.Tensor(labels) makes float32.",
        ) from None
    one = student.collate_pad(items[:1])  # a batch of one item: the last batch of many loaders
    _expect_batch(
        one, _collated(sequences[:1], labels[:1]), check_dtype=False, mistakes=KNOWN.of("collate_pad", items[:1])
    )


@pytest.mark.points(2)
def test_collate_pad_real_tokens_equal_to_pad_id(student, rng):
    """A real token may have the pad id (id 0 is a real token in many vocabularies): the mask and
    the lengths come from the sequences' lengths, never from comparing ids with pad_id."""
    pad_id = inputs.randint(rng, 0, 3)
    sequences = _with_pad_valued_tokens(rng, _ragged(rng, inputs.randint(rng, 3, 6)), pad_id)
    items = _items(sequences)
    got = student.collate_pad(items, pad_id=pad_id)
    expected, known = _collated(sequences, pad_id=pad_id), KNOWN.of("collate_pad", items, pad_id=pad_id)
    _expect_batch(got, expected, check_dtype=False, pad_id=pad_id, mistakes=known)


@pytest.mark.points(2)
def test_collate_pad_truncates_at_max_len(student, rng):
    sequences = _ragged(rng, 5, longest=12)
    sequences[0] = sequences[0] + [7] * 6  # at least one row longer than max_len
    max_len = inputs.randint(rng, 2, 5)
    items = _items(sequences)
    got = student.collate_pad(items, max_len=max_len)
    known = KNOWN.of("collate_pad", items, max_len=max_len)
    _expect_batch(got, _collated(sequences, max_len=max_len), check_dtype=False, mistakes=known)


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_collate_pad_rejects_an_empty_batch(student):
    with expect_raises(ValueError, special="an empty batch"):
        student.collate_pad([])


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_collate_pad_device(student, device, rng):
    sequences, labels = _ragged(rng, 3), _labels(rng, 3)
    expect_same_on_device(student.collate_pad, (_items(sequences, labels),), device)


# -- make_loader ---------------------------------------------------------------------------------
isolated = isolating(
    a07_data.collate_pad, why="make_loader graded with a trusted collate_pad: a collate mistake is not counted twice."
)


def _dataset(worker, rng, n: int):
    sequences, labels = _ragged(rng, n), _labels(rng, n)
    return worker.make(a07_data.TokenDataset, sequences, labels), sequences, labels


def _order(batches: list) -> list[tuple]:
    return [tuple(map(tuple, b["input_ids"].tolist())) for b in batches]


@pytest.mark.points(2)
def test_make_loader_batches_in_order(isolated, worker, rng):
    dataset, sequences, labels = _dataset(worker, rng, 11)
    pad_id = inputs.randint(rng, 1, 3)  # never the default, so an ignored pad_id shows
    got = worker.run(a07_data.batches, isolated.make_loader(dataset, 4, pad_id=pad_id))
    expect_equal(len(got), 3, what="the number of batches (11 examples, batch_size 4) is")
    for start, batch in zip(range(0, 11, 4), got):
        chunk = slice(start, start + 4)
        _expect_batch(batch, _collated(sequences[chunk], labels[chunk], pad_id=pad_id))


@pytest.mark.points(2)
def test_make_loader_shuffle_is_reproducible(isolated, worker, rng):
    dataset, _, _ = _dataset(worker, rng, 30)
    seed = inputs.randint(rng, 0, 10**6)
    first = _order(worker.run(a07_data.batches, isolated.make_loader(dataset, 5, shuffle=True, seed=seed)))
    again = _order(worker.run(a07_data.batches, isolated.make_loader(dataset, 5, shuffle=True, seed=seed)))
    other = _order(worker.run(a07_data.batches, isolated.make_loader(dataset, 5, shuffle=True, seed=seed + 1)))
    plain = _order(worker.run(a07_data.batches, isolated.make_loader(dataset, 5)))
    if first == plain:
        fail("shuffle=True gave the dataset's own order")
    if first != again:
        fail("two loaders with the same seed gave different orders: seed a torch.Generator with it")
    if first == other:
        fail("different seeds gave the same order: the seed is not used")


@pytest.mark.points(1)
def test_make_loader_shuffle_ignores_the_global_rng(isolated, worker, rng):
    dataset, _, _ = _dataset(worker, rng, 30)
    run = a07_data.batches_with_global_seed
    one = _order(worker.run(run, isolated.make_loader(dataset, 5, shuffle=True, seed=3), 1))
    two = _order(worker.run(run, isolated.make_loader(dataset, 5, shuffle=True, seed=3), 2))
    if one != two:
        fail("the order changed with torch.manual_seed: give the DataLoader its own generator")
    worker.run("torch.manual_seed", 11)
    worker.run(a07_data.batches, isolated.make_loader(dataset, 5, shuffle=True, seed=3))
    if not torch.equal(worker.run("torch.rand", 3), torch.rand(3, generator=torch.Generator().manual_seed(11))):
        fail(
            "building or iterating the loader changed the global random state. A DataLoader without a "
            "generator of its own draws a seed from the global one each time it is iterated, even with a "
            "seeded sampler: pass generator=torch.Generator().manual_seed(seed) to the DataLoader itself"
        )


# -- length_buckets ------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_length_buckets_sorted_and_complete(student, rng):
    lengths = torch.randint(1, 40, (inputs.randint(rng, 10, 30),), generator=rng).tolist()
    batch_size = inputs.randint(rng, 2, 6)
    got = student.length_buckets(lengths, batch_size)
    expect_type(got, list)
    flat = [i for batch in got for i in batch]
    if sorted(flat) != list(range(len(lengths))):
        fail("every index must appear exactly once")
    if any(len(batch) != batch_size for batch in got[:-1]) or not 0 < len(got[-1]) <= batch_size:
        fail(f"batches should hold batch_size={batch_size} indices (the last may be shorter)")
    if [lengths[i] for i in flat] not in (sorted(lengths), sorted(lengths, reverse=True)):
        fail("the indices are not grouped by length (sort them by length)")


@pytest.mark.points(1)
def test_length_buckets_save_padding(student, rng):
    lengths = torch.randint(1, 60, (40,), generator=rng).tolist()
    got = student.length_buckets(lengths, 8)
    expect_type(got, list)
    padding = sum(max(lengths[i] for i in b) * len(b) - sum(lengths[i] for i in b) for b in got)
    order = torch.randperm(40, generator=rng).tolist()
    random = [order[s : s + 8] for s in range(0, 40, 8)]
    random_padding = sum(max(lengths[i] for i in b) * len(b) - sum(lengths[i] for i in b) for b in random)
    if padding > random_padding:
        fail(f"the buckets need {padding} pad tokens, random batches {random_padding}")


@pytest.mark.points(1)
def test_length_buckets_as_batch_sampler(student, worker, rng):
    sequences, labels = _ragged(rng, 9), _labels(rng, 9)
    buckets = student.length_buckets([len(s) for s in sequences], 4)
    got = worker.run(a07_data.load_with_batch_sampler, sequences, labels, buckets)
    expect_equal(sum(len(b["labels"]) for b in got), 9, what="a DataLoader with these buckets yields examples:")


# -- known mistakes (autograder.harness.grading.mistakes): a wrong batch that matches one is named ----------------
KNOWN = Catalogue()


def _sequences(batch: list[dict], max_len: int | None) -> list[list[int]]:
    return [item["input_ids"].tolist()[:max_len] for item in batch]


@KNOWN.mistake(
    "collate_pad",
    "left_padding",
    "It matches padding on the left: pad on the right (real tokens first, then pad_id), so position t "
    "of every row is the t-th token.",
)
def _(batch, pad_id=0, max_len=None):
    out = _collated(_sequences(batch, max_len), pad_id=pad_id)
    lengths = out["lengths"]
    width = out["input_ids"].shape[1]
    for row, n in enumerate(lengths.tolist()):
        out["input_ids"][row] = torch.roll(out["input_ids"][row], width - n)
        out["attention_mask"][row] = torch.roll(out["attention_mask"][row], width - n)
    return out


@KNOWN.mistake(
    "collate_pad",
    "mask_marks_padding",
    "It matches an attention_mask that is 1 on padding: it is 1 on real tokens and 0 on padding.",
)
def _(batch, pad_id=0, max_len=None):
    out = _collated(_sequences(batch, max_len), pad_id=pad_id)
    out["attention_mask"] = 1 - out["attention_mask"]
    return out


@KNOWN.mistake(
    "collate_pad",
    "mask_from_pad_id",
    "It matches a mask read from the values, input_ids != pad_id: a real token may have the pad id. "
    "Build the mask and the lengths from each sequence's length.",
)
def _(batch, pad_id=0, max_len=None):
    out = _collated(_sequences(batch, max_len), pad_id=pad_id)
    out["attention_mask"] = (out["input_ids"] != pad_id).long()
    out["lengths"] = out["attention_mask"].sum(1)
    return out


@KNOWN.mistake(
    "collate_pad",
    "lengths_before_truncation",
    "It matches lengths measured before cutting at max_len: report each row's length after truncation "
    "(at most max_len).",
)
def _(batch, pad_id=0, max_len=None):
    out = _collated(_sequences(batch, max_len), pad_id=pad_id)
    out["lengths"] = torch.tensor([len(item["input_ids"]) for item in batch])
    return out


@KNOWN.mistake(
    "collate_pad",
    "ignores_max_len",
    "It matches a batch that was never truncated: cut every sequence to its first max_len tokens.",
)
def _(batch, pad_id=0, max_len=None):
    return _collated(_sequences(batch, None), pad_id=pad_id)
