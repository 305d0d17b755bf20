"""Hidden suite for a09_transformers, offline: every test builds a tiny BERT in its worker's scratch
folder (vocab file, BertConfig, save_pretrained). Workers start from a zygote that imported
transformers once (PRELOAD), and run with Hugging Face's offline switches set."""

import pytest
import torch
import torch.nn.functional as F

from autograder.api import (
    Catalogue,
    expect_equal,
    expect_like_cpu,
    expect_raises,
    expect_same_on_device,
    expect_tensor,
    expect_type,
    expect_vectorised,
    fail,
    inputs,
    isolating,
    on_cpu_first,
    on_device,
    type_name,
)
from autograder.scenarios import a09_transformers

ASSIGNMENT = "a09_transformers"
FUNCTIONS = ("load_encoder", "encode_batch", "mean_pool", "embed_texts", "cosine_similarity_matrix")
# The kinds of test each function must have: the plugin refuses to collect the suite without them.
REQUIRES = {
    "load_encoder": ("correctness", "errors"),
    "encode_batch": ("correctness",),
    "mean_pool": ("correctness", "vectorised", "device"),
    "embed_texts": ("correctness", "device"),
    "cosine_similarity_matrix": ("correctness", "vectorised", "device"),
}
PRELOAD = (
    "transformers",
    "transformers.models.auto.modeling_auto",
    "transformers.models.auto.tokenization_auto",
    "transformers.models.bert.modeling_bert",
    "transformers.models.bert.tokenization_bert",
    "autograder.scenarios.a09_transformers:warm_up",
)
TEXTS = [
    "i love ai !",
    "the cat sat on a mat",
    "hello world",
    "a kitten runs fast",
    "language models read text",
    "pytorch tensors are fun",
    "the dog",
]
HIDDEN = 32


def _tiny(worker, seed: int = 0):
    folder = worker.run(a09_transformers.build_tiny_bert, "tiny-bert", seed)
    pair = worker.make(a09_transformers.load_tiny_bert, folder)  # a handle to the (tokenizer, model) tuple
    return folder, pair[0], pair[1]


def _pick(rng, k: int) -> list[str]:
    order = torch.randperm(len(TEXTS), generator=rng).tolist()
    return [TEXTS[i] for i in order[:k]]


# -- load_encoder --------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_load_encoder_loads_the_local_folder(student, worker, rng):
    folder = worker.run(a09_transformers.build_tiny_bert, "tiny-bert", inputs.randint(rng, 0, 99))
    got = student.load_encoder(folder)
    expect_type(got, (tuple, list))
    tokenizer, model = got[0], got[1]
    expect_equal(type_name(model), "BertModel", what="the model is a")
    if worker.run(a09_transformers.is_training, model):
        fail("the model should be returned in eval mode")
    texts = _pick(rng, 3)
    _, trusted_tokenizer, _ = _tiny(worker)
    expected = worker.run(a09_transformers.tokenize, trusted_tokenizer, texts)
    expect_tensor(
        worker.run(a09_transformers.tokenize, tokenizer, texts)["input_ids"],
        expected["input_ids"],
        call="the loaded tokenizer's input_ids",
    )


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_load_encoder_missing_folder(student):
    with expect_raises(FileNotFoundError, mentions=("no-such-model",), special="a folder that does not exist"):
        student.load_encoder("models/no-such-model")


# -- encode_batch --------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_encode_batch_pads_and_returns_tensors(student, worker, rng):
    _, tokenizer, _ = _tiny(worker)
    texts = _pick(rng, inputs.randint(rng, 2, 5))
    for text in ("the dog", "the cat sat on a mat"):  # always two lengths: there is something to pad
        if text not in texts:
            texts.insert(inputs.randint(rng, 0, len(texts)), text)
    got = student.encode_batch(tokenizer, texts)
    expect_equal(type_name(got), "BatchEncoding", what="encode_batch returned a")
    expected = worker.run(a09_transformers.tokenize, tokenizer, texts)
    for key in ("input_ids", "attention_mask"):
        expect_tensor(got[key], expected[key], call=f"encode_batch(...)[{key!r}]")


@pytest.mark.points(1)
def test_encode_batch_truncates_at_max_length(student, worker, rng):
    _, tokenizer, _ = _tiny(worker)
    texts = ["the cat sat on a mat and the dog runs fast", "hello"]
    max_length = inputs.randint(rng, 3, 6)
    got = student.encode_batch(tokenizer, texts, max_length=max_length)
    expected = worker.run(a09_transformers.tokenize, tokenizer, texts, max_length)
    expect_tensor(got["input_ids"], expected["input_ids"], call=f"encode_batch(..., max_length={max_length})")


# -- mean_pool -----------------------------------------------------------------------------------
def _pool(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask[..., None].to(states.dtype)
    return (states * weights).sum(1) / weights.sum(1).clamp_min(1)


def _states_and_mask(rng, batch: int, steps: int, hidden: int = 6):
    states = inputs.tensor(rng, (batch, steps, hidden))
    lengths = torch.randint(1, steps + 1, (batch,), generator=rng)
    mask = (torch.arange(steps)[None, :] < lengths[:, None]).long()
    return states, mask


@pytest.mark.points(2)
def test_mean_pool_ignores_padding(student, rng):
    states, mask = _states_and_mask(rng, inputs.randint(rng, 2, 5), inputs.randint(rng, 3, 7))
    mask[0] = 1  # one full row, the others padded
    mask[-1] = 0
    mask[-1, 0] = 1  # and a row of a single token: dividing by anything but 1 there is caught
    expect_tensor(student.mean_pool(states, mask), _pool(states, mask), mistakes=KNOWN.of("mean_pool", states, mask))


@pytest.mark.points(2)
@pytest.mark.kind("vectorised")
def test_mean_pool_vectorised(student, reference, rng):
    small, large = _states_and_mask(rng, 8, 8), _states_and_mask(rng, 32, 32)
    expect_vectorised(
        student.mean_pool, small, large, max_ops=30, reference=reference, timing=_states_and_mask(rng, 256, 64, 32)
    )


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_mean_pool_device(student, device, rng):
    expect_same_on_device(student.mean_pool, _states_and_mask(rng, 3, 5), device)


# -- embed_texts ---------------------------------------------------------------------------------
isolated = isolating(
    a09_transformers.encode_batch, a09_transformers.mean_pool, why="embed_texts graded with trusted helpers."
)


def _expect_embeddings(got, expected: torch.Tensor) -> None:
    expect_tensor(got, expected, rtol=1e-4, atol=1e-5)
    if got.requires_grad:
        fail("the embeddings require grad: run the model under torch.no_grad()")


@pytest.mark.points(2)
def test_embed_texts_batches_keep_order(isolated, worker, rng):
    """7 texts in batches of 3: every vector equals that text embedded on its own, and the model
    sees batches of 3, 3 and 1 (all texts at once would not fit a GPU on a real corpus)."""
    _, tokenizer, model = _tiny(worker, inputs.randint(rng, 0, 99))
    texts = _pick(rng, 7)
    worker.run(a09_transformers.record_batch_sizes, model)
    got = isolated.embed_texts(texts, tokenizer, model, batch_size=3)
    sizes = model.batch_sizes.fetch()
    _expect_embeddings(got, worker.run(a09_transformers.embed_reference, texts, tokenizer, model))
    if sorted(sizes, key=str) != [1, 3, 3]:
        fail(f"the model was run on batches of {sizes}; with batch_size=3 and 7 texts it should see 3, 3 and 1")


@pytest.mark.points(1)
def test_embed_texts_is_deterministic_for_a_model_in_train_mode(isolated, worker, rng):
    _, tokenizer, model = _tiny(worker)
    model.train()  # dropout on: embed_texts must switch it off
    texts = _pick(rng, 4)
    first = isolated.embed_texts(texts, tokenizer, model)
    _expect_embeddings(first, worker.run(a09_transformers.embed_reference, texts, tokenizer, model))
    if not worker.run(a09_transformers.is_training, model):
        fail("the model was handed over in train mode and came back in eval mode; restore its mode")
    model.eval()
    isolated.embed_texts(texts[:1], tokenizer, model)
    if worker.run(a09_transformers.is_training, model):
        fail("the model was handed over in eval mode and came back in train mode; restore the mode it came in")


@pytest.mark.points(1)
def test_embed_texts_empty_list(isolated, worker):
    _, tokenizer, model = _tiny(worker)
    expect_tensor(isolated.embed_texts([], tokenizer, model), torch.zeros(0, HIDDEN))


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_embed_texts_device(isolated, worker, device, rng):
    """The model is on the device; the embeddings come back on the CPU as float32."""
    _, tokenizer, model = _tiny(worker)
    texts = _pick(rng, 3)
    on_cpu = on_cpu_first(lambda: isolated.embed_texts(texts, tokenizer, model, batch_size=2))
    model.to(device)
    got = on_device(lambda: isolated.embed_texts(texts, tokenizer, model, batch_size=2), on_cpu)
    expect_like_cpu(got, on_cpu, "cpu")


# -- cosine_similarity_matrix --------------------------------------------------------------------
def _cosine(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return F.cosine_similarity(a[:, None, :], b[None, :, :], dim=-1)


@pytest.mark.points(2)
def test_cosine_similarity_matrix_values(student, rng):
    n, m, d = inputs.randint(rng, 1, 5), inputs.randint(rng, 6, 8), inputs.randint(rng, 2, 6)
    a, b = inputs.tensor(rng, (n, d)) * 3, inputs.tensor(rng, (m, d))
    known = KNOWN.of("cosine_similarity_matrix", a, b)
    expect_tensor(student.cosine_similarity_matrix(a, b), _cosine(a, b), rtol=1e-4, atol=1e-5, mistakes=known)


@pytest.mark.points(2)
@pytest.mark.kind("vectorised")
def test_cosine_similarity_matrix_vectorised(student, reference, rng):
    def pair(n):
        return inputs.tensor(rng, (n, 16)), inputs.tensor(rng, (n, 16))

    expect_vectorised(
        # 128 rows: a broadcasting style builds [n, m, d] (memory-bound, ~15x the matmul) and must still
        # stay far under the 5 ms floor; Python loops over 128x128 pairs take far longer.
        student.cosine_similarity_matrix,
        pair(8),
        pair(32),
        max_ops=30,
        reference=reference,
        timing=pair(128),
    )


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_cosine_similarity_matrix_device(student, device, rng):
    a, b = inputs.tensor(rng, (3, 4)), inputs.tensor(rng, (2, 4))
    expect_same_on_device(student.cosine_similarity_matrix, (a, b), device)


# -- known mistakes (autograder.harness.grading.mistakes): a wrong value that matches one is named ---------------
KNOWN = Catalogue()


@KNOWN.mistake(
    "mean_pool",
    "plain_mean",
    "It matches the plain mean over all positions, padding included: weight the states by the "
    "attention mask and divide by the number of real tokens.",
)
def _(last_hidden_state, attention_mask):
    return last_hidden_state.mean(1)


@KNOWN.mistake(
    "mean_pool",
    "divides_by_length",
    "It matches dividing the masked sum by the padded length T: divide by each row's number of real "
    "tokens, attention_mask.sum(1).",
)
def _(last_hidden_state, attention_mask):
    weights = attention_mask.unsqueeze(-1).to(last_hidden_state.dtype)
    return (last_hidden_state * weights).sum(1) / last_hidden_state.shape[1]


@KNOWN.mistake(
    "mean_pool",
    "first_token",
    "It matches the first token's state ([CLS]): the task asks for the mean over the real tokens.",
)
def _(last_hidden_state, attention_mask):
    return last_hidden_state[:, 0]


@KNOWN.mistake(
    "cosine_similarity_matrix",
    "dot_product",
    "It matches the plain dot products a @ b.T: divide by both rows' norms (normalise each row first).",
)
def _(a, b):
    return a @ b.T


@KNOWN.mistake(
    "cosine_similarity_matrix",
    "normalises_columns",
    "It matches normalising columns (dim=0) instead of rows: each row is one vector, F.normalize(a, dim=1).",
)
def _(a, b):
    return F.normalize(a, dim=0) @ F.normalize(b, dim=0).T
