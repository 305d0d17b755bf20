"""Hidden suite for a02_views: strides, view vs reshape, and matrix operations."""

import pytest
import torch

from autograder.api import (
    Catalogue,
    expect_equal,
    expect_raises,
    expect_same_on_device,
    expect_tensor,
    expect_type,
    expect_vectorised,
    fail,
    inputs,
    shares_memory,
)

ASSIGNMENT = "a02_views"
FUNCTIONS = (
    "row_major_strides",
    "storage_index",
    "flatten_view",
    "flatten_any",
    "split_heads",
    "merge_heads",
    "outer_sum",
    "chunk_rows",
)
# The kinds of test each function must have: the plugin refuses to collect the suite without them.
REQUIRES = {
    "row_major_strides": ("correctness",),
    "storage_index": ("correctness", "errors"),
    "flatten_view": ("correctness", "errors", "device"),
    "flatten_any": ("correctness", "device"),
    "split_heads": ("correctness", "errors", "device"),
    "merge_heads": ("correctness", "device"),
    "outer_sum": ("correctness", "vectorised", "device"),
    "chunk_rows": ("correctness", "device"),
}


# -- row_major_strides ---------------------------------------------------------------------------
@pytest.mark.points(2)
def test_row_major_strides_matches_torch(student, rng):
    for _ in range(5):
        dims = inputs.shape(rng, ndim=(1, 5), size=(1, 7))
        expect_equal(
            student.row_major_strides(dims),
            tuple(torch.empty(dims).stride()),
            mistakes=KNOWN.of("row_major_strides", dims),
        )


@pytest.mark.points(1)
def test_row_major_strides_edge_shapes(student):
    """A 0-d shape has no strides; size-1 and size-0 dimensions follow torch's convention."""
    for dims in ((), (1, 1), (4, 1, 3), (2, 0, 3)):
        expect_equal(
            student.row_major_strides(dims),
            tuple(torch.empty(dims).stride()),
            mistakes=KNOWN.of("row_major_strides", dims),
        )


@pytest.mark.points(1)
def test_row_major_strides_creates_no_tensor(student, rng):
    """The docstring asks for pure Python: no tensor created to read its strides."""
    dims = tuple(inputs.randint(rng, 1, 5) for _ in range(3))
    ops = student.row_major_strides.count_ops(dims)
    if ops:
        fail(f"created tensors ({', '.join(sorted(ops))}): compute the strides from the shape in pure Python")


# -- storage_index -------------------------------------------------------------------------------
def _index_into(rng: torch.Generator, t: torch.Tensor) -> tuple[int, ...]:
    return tuple(inputs.randint(rng, 0, size - 1) for size in t.shape)


@pytest.mark.points(1)
def test_storage_index_contiguous(student, rng):
    for _ in range(4):
        t = torch.arange(720).reshape(inputs.choice(rng, ((720,), (24, 30), (6, 10, 12), (2, 3, 4, 30))))
        index = _index_into(rng, t)
        expect_equal(
            student.storage_index(index, t.stride()),
            int(t[index]),
            mistakes=KNOWN.of("storage_index", index, t.stride()),
        )


@pytest.mark.points(2)
def test_storage_index_transposed_and_sliced(student, rng):
    """Storage positions of elements of views with permuted strides and a storage offset."""
    base = torch.arange(2000)  # base[i] == i: an element's value is its storage position
    for _ in range(4):
        rows, step = inputs.randint(rng, 1, 5), inputs.randint(rng, 1, 3)
        t = base.reshape(40, 50)[rows:, 1::step]
        t = t.t() if inputs.randint(rng, 0, 1) else t
        index = _index_into(rng, t)
        expect_equal(
            student.storage_index(index, t.stride(), t.storage_offset()),
            int(t[index]),
            mistakes=KNOWN.of("storage_index", index, t.stride(), t.storage_offset()),
        )


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_storage_index_rejects_wrong_length(student, rng):
    with expect_raises(ValueError, special="3 indices and 2 strides"):
        student.storage_index((1, 2, 3), (4, 1))
    with expect_raises(ValueError, special="1 index and 3 strides"):
        student.storage_index((inputs.randint(rng, 0, 3),), (6, 2, 1))


# -- flatten_view --------------------------------------------------------------------------------
@pytest.mark.points(1)
def test_flatten_view_values(student, rng):
    for ndim in (0, 1, 2, 4):
        t = inputs.tensor(rng, inputs.shape(rng, ndim=(ndim, ndim)))
        expect_tensor(student.flatten_view(t), t.reshape(-1))


@pytest.mark.points(2)
def test_flatten_view_shares_storage(student, rng):
    """The result must be a view: same storage as the input (a row slice keeps its offset)."""
    base = inputs.tensor(rng, (inputs.randint(rng, 3, 6), inputs.randint(rng, 2, 5)))
    for t in (base, base[1:]):
        got, (t_after,) = student.flatten_view.with_inputs(t)
        expect_tensor(got, t.reshape(-1), mistakes=KNOWN.of("flatten_any", t))
        if not shares_memory(got, t_after):
            fail("the result does not share storage with the input: it must be a view, not a copy")


@pytest.mark.points(2)
@pytest.mark.kind("errors")
def test_flatten_view_rejects_non_contiguous(student, rng):
    t = inputs.non_contiguous(rng, (inputs.randint(rng, 2, 5), inputs.randint(rng, 2, 5)))
    special = f"a transposed {list(t.shape)} tensor, strides {tuple(t.stride())}: no view can flatten it"
    with expect_raises(ValueError, mentions_any=("contiguous", "reshape"), special=special):
        student.flatten_view(t)


# -- flatten_any ---------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_flatten_any_values(student, rng):
    """Contiguous, transposed and strided inputs all flatten in row-major order."""
    dims = (inputs.randint(rng, 2, 5), inputs.randint(rng, 2, 5))
    for t in (inputs.tensor(rng, dims), inputs.non_contiguous(rng, dims), inputs.tensor(rng, (6, 8))[:, ::2]):
        got, (t_after,) = student.flatten_any.with_inputs(t)
        expect_tensor(got, t.reshape(-1), mistakes=KNOWN.of("flatten_any", t))
        expect_tensor(t_after, t, call="the input after flatten_any")


@pytest.mark.points(1)
def test_flatten_any_is_a_view_when_possible(student, rng):
    t = inputs.tensor(rng, inputs.shape(rng, ndim=(2, 3), size=(2, 4)))
    got, (t_after,) = student.flatten_any.with_inputs(t)
    expect_tensor(got, t.reshape(-1))
    if not shares_memory(got, t_after):
        fail("a contiguous input can be flattened without a copy: return a view (reshape does)")


# -- split_heads / merge_heads -------------------------------------------------------------------
def _heads_dims(rng: torch.Generator) -> tuple[int, int, int, int]:
    """(batch, heads, time, head_dim). Heads and time are at least 2: with one of either, a missing
    transpose gives the right values, and a seed that drew only such shapes would let it pass."""
    b, h, t = inputs.randint(rng, 1, 5), inputs.randint(rng, 2, 5), inputs.randint(rng, 2, 5)
    return b, h, t, inputs.randint(rng, 2, 6)


@pytest.mark.points(3)
def test_split_heads_values(student, rng):
    for _ in range(3):
        b, h, t, d = _heads_dims(rng)
        x = inputs.tensor(rng, (b, t, h * d))
        expect_tensor(
            student.split_heads(x, h), x.view(b, t, h, d).transpose(1, 2), mistakes=KNOWN.of("split_heads", x, h)
        )


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_split_heads_rejects_indivisible_width(student, rng):
    heads = inputs.randint(rng, 2, 5)
    x = inputs.tensor(rng, (2, 3, heads * inputs.randint(rng, 1, 4) + 1))
    with expect_raises(ValueError, special=f"a last dimension of {x.shape[-1]}, not divisible by {heads} heads"):
        student.split_heads(x, heads)


@pytest.mark.points(3)
def test_merge_heads_values(student, rng):
    for _ in range(3):
        b, h, t, d = _heads_dims(rng)
        x = inputs.tensor(rng, (b, h, t, d))
        expect_tensor(
            student.merge_heads(x), x.transpose(1, 2).reshape(b, t, h * d), mistakes=KNOWN.of("merge_heads", x)
        )


@pytest.mark.points(1)
def test_merge_heads_is_contiguous(student, rng):
    b, t, d = inputs.randint(rng, 1, 4), inputs.randint(rng, 2, 5), inputs.randint(rng, 2, 5)
    x = inputs.tensor(rng, (b, inputs.randint(rng, 2, 4), t, d))
    got = student.merge_heads(x)
    expect_type(got, torch.Tensor)
    if not got.is_contiguous():
        fail(f"the result is not contiguous (strides {got.stride()}); return a contiguous tensor")


# -- outer_sum -----------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_outer_sum_values(student, rng):
    n = inputs.randint(rng, 1, 6)
    for m, dtype in ((n + inputs.randint(rng, 1, 4), torch.float32), (n, torch.int64)):
        a, b = inputs.tensor(rng, (n,), dtype), inputs.tensor(rng, (m,), dtype)
        expect_tensor(student.outer_sum(a, b), a[:, None] + b[None, :], mistakes=KNOWN.of("outer_sum", a, b))


# -- chunk_rows ----------------------------------------------------------------------------------
def _expect_pieces(got, t: torch.Tensor, size: int) -> list:
    expected = list(torch.split(t, size, dim=0))
    expect_type(got, (list, tuple))
    expect_equal(len(got), len(expected), what="returned a number of pieces:")
    for piece, want in zip(got, expected):
        expect_tensor(piece, want)
    return expected


@pytest.mark.points(2)
def test_chunk_rows_pieces(student, rng):
    """The rows never divide evenly here: the last piece is shorter. Always among them: 5 rows in
    pieces of 4, where torch.chunk (which spreads the rows evenly, 3 + 2) differs from 4 + 1."""
    shapes = []
    for _ in range(3):
        size = inputs.randint(rng, 2, 4)
        shapes.append((size, size * inputs.randint(rng, 1, 3) + inputs.randint(rng, 1, size - 1)))
    for size, rows in [*shapes, (4, 5)]:
        t = inputs.tensor(rng, (rows, 3))
        _expect_pieces(student.chunk_rows(t, size), t, size)


@pytest.mark.points(1)
def test_chunk_rows_exact_multiple(student, rng):
    """When the rows divide evenly there is no empty (or missing) last piece."""
    size = inputs.randint(rng, 1, 4)
    t = inputs.tensor(rng, (size * inputs.randint(rng, 2, 4), 2))
    _expect_pieces(student.chunk_rows(t, size), t, size)


@pytest.mark.points(1)
def test_chunk_rows_pieces_are_views(student, rng):
    size = inputs.randint(rng, 1, 3)
    t = inputs.tensor(rng, (size * 3 + 1, 4))
    got, (t_after, _) = student.chunk_rows.with_inputs(t, size)
    _expect_pieces(got, t, size)
    if not all(shares_memory(piece, t_after) for piece in got):
        fail("the pieces must be views of the input (no copies)")


# -- device --------------------------------------------------------------------------------------
@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_flatten_view_device(student, device, rng):
    expect_same_on_device(student.flatten_view, (inputs.tensor(rng, (3, 4)),), device)


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_flatten_any_device(student, device, rng):
    expect_same_on_device(student.flatten_any, (inputs.non_contiguous(rng, (3, 4)),), device)


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_split_heads_device(student, device, rng):
    expect_same_on_device(student.split_heads, (inputs.tensor(rng, (2, 3, 8)), 2), device)


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_merge_heads_device(student, device, rng):
    expect_same_on_device(student.merge_heads, (inputs.tensor(rng, (2, 2, 3, 4)),), device)


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_outer_sum_device(student, device, rng):
    expect_same_on_device(student.outer_sum, (inputs.tensor(rng, (3,)), inputs.tensor(rng, (4,))), device)


@pytest.mark.points(1)
@pytest.mark.kind("vectorised")
def test_outer_sum_vectorised(student, reference, rng):
    """ "By broadcasting": no loop over the entries of a or b."""
    small = (inputs.tensor(rng, (16,)), inputs.tensor(rng, (16,)))
    large = (inputs.tensor(rng, (64,)), inputs.tensor(rng, (64,)))
    timed = (inputs.tensor(rng, (512,)), inputs.tensor(rng, (512,)))  # reference ~0.1 ms, see vectorised.py
    expect_vectorised(student.outer_sum, small, large, max_ops=12, reference=reference, timing=timed)


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_chunk_rows_device(student, device, rng):
    expect_same_on_device(student.chunk_rows, (inputs.tensor(rng, (5, 2)), 2), device)


# -- known mistakes (autograder.harness.grading.mistakes): a wrong value that matches one is named ---------------
KNOWN = Catalogue()


@KNOWN.mistake(
    "row_major_strides",
    "includes_own_size",
    "It matches strides that include their own dimension: a dimension's stride is the product of the "
    "sizes after it, not from it.",
)
def _(shape):
    out, step = [], 1
    for size in reversed(shape):
        step *= max(size, 1)
        out.append(step)
    return tuple(reversed(out))


@KNOWN.mistake(
    "row_major_strides",
    "reversed",
    "It matches the strides listed from the last dimension: the first stride belongs to the first "
    "dimension (the largest step).",
)
def _(shape):
    return tuple(reversed(torch.empty(shape).stride()))


@KNOWN.mistake(
    "storage_index",
    "ignores_offset",
    "It matches leaving out the storage offset: position = offset + sum(index[k] * strides[k]).",
)
def _(index, strides, offset=0):
    return sum(i * s for i, s in zip(index, strides))


@KNOWN.mistake(
    "storage_index",
    "reversed_strides",
    "It matches pairing the indices with the strides in reverse order: index[k] goes with strides[k].",
)
def _(index, strides, offset=0):
    return offset + sum(i * s for i, s in zip(index, reversed(strides)))


@KNOWN.mistake(
    "flatten_any",
    "column_major",
    "It matches reading the input column by column (a transpose before flattening): flatten in "
    "row-major order, t.reshape(-1), whatever the strides.",
)
def _(t):
    return t.transpose(0, 1).reshape(-1) if t.dim() == 2 else None


@KNOWN.mistake(
    "split_heads",
    "no_transpose",
    "It matches reshaping [B, T, H*D] straight to [B, H, T, D] (view or reshape): that reinterprets "
    "memory and mixes time steps into heads. Reshape to [B, T, H, D], then transpose(1, 2).",
)
def _(x, n_heads):
    b, t, width = x.shape
    return x.reshape(b, n_heads, t, width // n_heads)


@KNOWN.mistake(
    "split_heads",
    "interleaved",
    "It matches splitting the width as (D, H) instead of (H, D): each head must be a contiguous block "
    "of D features, x.view(B, T, H, D).",
)
def _(x, n_heads):
    b, t, width = x.shape
    return x.reshape(b, t, width // n_heads, n_heads).permute(0, 3, 1, 2)


@KNOWN.mistake(
    "merge_heads",
    "no_transpose",
    "It matches reshaping [B, H, T, D] straight to [B, T, H*D]: move the heads next to the features "
    "first, x.transpose(1, 2), then reshape (or .contiguous().view).",
)
def _(x):
    b, h, t, d = x.shape
    return x.reshape(b, t, h * d)


@KNOWN.mistake(
    "merge_heads",
    "depth_major",
    "It matches interleaving the heads inside each feature block ([B, T, D, H] flattened): the "
    "features of head 0 come first, then head 1's, as split_heads made them.",
)
def _(x):
    b, h, t, d = x.shape
    return x.permute(0, 2, 3, 1).reshape(b, t, d * h)


@KNOWN.mistake(
    "outer_sum",
    "transposed",
    "It matches the [m, n] table b[i] + a[j]: out[i, j] = a[i] + b[j], so a runs down the rows "
    "(a[:, None] + b[None, :]).",
)
def _(a, b):
    return b[:, None] + a[None, :]


@KNOWN.mistake(
    "outer_sum",
    "elementwise",
    "It matches the elementwise a + b: an outer sum needs a column against a row, a[:, None] + b[None, :].",
)
def _(a, b):
    return a + b
