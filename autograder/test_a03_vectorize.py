"""Hidden suite for a03_vectorize: the same computations, in matrix mode, on any device.

Op bounds (``max_ops``) are about four times the reference's count (standardize 6, standardize_rows
8, pairwise_sq_dists 11, masked_mean 6, softmax 5, cross_entropy 14), so other vectorised styles
fit; the seed's double loop dispatches ~1,800 ops on 16x16 and ~70,000 on 100x100.
"""

import pytest
import torch
import torch.nn.functional as F

from autograder.api import (
    Catalogue,
    Mismatch,
    expect_not_calling,
    expect_raises,
    expect_same_on_device,
    expect_tensor,
    expect_type,
    expect_vectorised,
    fail,
    inputs,
    naming_mistakes,
    with_note,
)

ASSIGNMENT = "a03_vectorize"
FUNCTIONS = ("standardize", "standardize_rows", "pairwise_sq_dists", "masked_mean", "softmax", "cross_entropy")
# The kinds of test each function must have: the plugin refuses to collect the suite without them.
REQUIRES = {
    "standardize": ("correctness", "errors", "vectorised", "device"),
    "standardize_rows": ("correctness", "errors", "vectorised", "device"),
    "pairwise_sq_dists": ("correctness", "vectorised", "device"),
    "masked_mean": ("correctness", "vectorised", "device"),
    "softmax": ("correctness", "vectorised", "device"),
    "cross_entropy": ("correctness", "errors", "vectorised", "device"),
}

SMALL, LARGE, TIMED = 16, 64, 512  # side lengths: op counts on SMALL vs LARGE (4x), timing on TIMED
SOFTMAX_CALLS = {"aten._softmax": "torch.softmax / F.softmax", "aten._log_softmax": "torch.log_softmax"}
LOSS_CALLS = {
    "aten.nll_loss_forward": "F.nll_loss / F.cross_entropy",
    "aten.nll_loss2d_forward": "F.nll_loss / F.cross_entropy",
    "aten.nll_loss_nd": "F.nll_loss / F.cross_entropy",
}
# Calls a "from scratch" function may not make (public: students' check runs the same test).
BANNED = {"softmax": SOFTMAX_CALLS, "cross_entropy": LOSS_CALLS}


def _matrix(rng, side: int, dtype=torch.float32) -> torch.Tensor:
    return inputs.tensor(rng, (side, side), dtype)


def _targets(rng, n: int, classes: int, ignored: float = 0.25, ignore_index: int = -100) -> torch.Tensor:
    targets = torch.randint(0, classes, (n,), generator=rng)
    drop = torch.rand(n, generator=rng) < ignored
    drop[0] = False  # at least one target counts
    return torch.where(drop, torch.full_like(targets, ignore_index), targets)


# -- standardize ---------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_standardize_values(student, rng):
    for dtype in (torch.float32, torch.float64):
        x = inputs.tensor(rng, inputs.shape(rng, ndim=(1, 3), size=(2, 6)), dtype) * 3 + 1
        expect_tensor(student.standardize(x), (x - x.mean()) / x.std(), mistakes=KNOWN.of("standardize", x))


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_standardize_rejects_constant_input(student, rng):
    value = float(inputs.randint(rng, -5, 5))
    with expect_raises(ValueError, special=f"a [3, 4] input whose every element is {value:g}"):
        student.standardize(torch.full((3, 4), value))
    with expect_raises(ValueError, special="a single element: its unbiased std is undefined"):
        student.standardize(torch.tensor([value]))


@pytest.mark.points(2)
@pytest.mark.kind("vectorised")
def test_standardize_vectorised(student, reference, rng):
    small, large = _matrix(rng, SMALL), _matrix(rng, LARGE)
    expect_vectorised(
        student.standardize, (small,), (large,), max_ops=30, reference=reference, timing=(_matrix(rng, TIMED),)
    )


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_standardize_device(student, device, rng):
    expect_same_on_device(student.standardize, (_matrix(rng, 5),), device)


# -- standardize_rows ----------------------------------------------------------------------------
def _rows_reference(x: torch.Tensor) -> torch.Tensor:
    return (x - x.mean(1, keepdim=True)) / x.std(1, keepdim=True)


@pytest.mark.points(2)
def test_standardize_rows_values(student, rng):
    for dtype in (torch.float32, torch.float64):
        x = inputs.tensor(rng, (inputs.randint(rng, 1, 6), inputs.randint(rng, 2, 7)), dtype) * 2 - 1
        expect_tensor(student.standardize_rows(x), _rows_reference(x), mistakes=KNOWN.of("standardize_rows", x))


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_standardize_rows_rejects_a_constant_row(student, rng):
    x = _matrix(rng, 4)
    row = inputs.randint(rng, 0, 3)
    x[row] = 2.0
    with expect_raises(ValueError, special=f"row {row} of this [4, 4] input is constant"):
        student.standardize_rows(x)


@pytest.mark.points(2)
@pytest.mark.kind("vectorised")
def test_standardize_rows_vectorised(student, reference, rng):
    expect_vectorised(
        student.standardize_rows,
        (_matrix(rng, SMALL),),
        (_matrix(rng, LARGE),),
        max_ops=40,
        reference=reference,
        timing=(_matrix(rng, TIMED),),
    )


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_standardize_rows_device(student, device, rng):
    expect_same_on_device(student.standardize_rows, (_matrix(rng, 5),), device)


# -- pairwise_sq_dists ---------------------------------------------------------------------------
def _dists_reference(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


@pytest.mark.points(2)
def test_pairwise_sq_dists_values(student, rng):
    """n != m, and float64 too; the fast formula's rounding is allowed for (rtol 1e-4)."""
    for dtype in (torch.float32, torch.float64):
        n, m, d = inputs.randint(rng, 1, 6), inputs.randint(rng, 7, 9), inputs.randint(rng, 1, 5)
        x, y = inputs.tensor(rng, (n, d), dtype), inputs.tensor(rng, (m, d), dtype)
        expect_tensor(
            student.pairwise_sq_dists(x, y),
            _dists_reference(x, y),
            rtol=1e-4,
            atol=1e-4,
            mistakes=KNOWN.of("pairwise_sq_dists", x, y),
        )


@pytest.mark.points(1)
def test_pairwise_sq_dists_never_negative(student, rng):
    """Nearly identical points far from the origin: distances near 0 that rounding pushes below 0
    (32 points in 8 dimensions: in float32, |x|^2 + |y|^2 - 2 x.y goes negative somewhere for every
    seed and every way of writing it that was tried, 300 seeds each), and errors of a few units on
    values of ~8e6 that any float32 formula makes."""
    x = inputs.tensor(rng, (32, 8)) * 0.01 + 1000.0
    got = student.pairwise_sq_dists(x, x)
    expect_type(got, torch.Tensor)
    if bool((got < 0).any()):
        fail(f"returned a negative squared distance ({got.min().item():.3g}); clamp at 0")
    expect_tensor(got, _dists_reference(x, x), rtol=0, atol=8.0)


@pytest.mark.points(2)
@pytest.mark.kind("vectorised")
def test_pairwise_sq_dists_vectorised(student, reference, rng):
    small, large = _matrix(rng, SMALL), _matrix(rng, LARGE)
    timed = inputs.tensor(rng, (TIMED // 2, 8))  # broadcasting styles build [n, m, d]: keep it small
    expect_vectorised(
        student.pairwise_sq_dists,
        (small, small),
        (large, large),
        max_ops=50,
        reference=reference,
        timing=(timed, timed),
    )


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_pairwise_sq_dists_device(student, device, rng):
    x, y = inputs.tensor(rng, (4, 3)), inputs.tensor(rng, (5, 3))
    expect_same_on_device(student.pairwise_sq_dists, (x, y), device)


# -- masked_mean ---------------------------------------------------------------------------------
def _masked_reference(x: torch.Tensor, mask: torch.Tensor, dim: int) -> torch.Tensor:
    weights = mask.to(x.dtype)
    return (x * weights).sum(dim) / weights.sum(dim).clamp_min(1)


@pytest.mark.points(2)
def test_masked_mean_values(student, rng):
    """Every dim of a 3-D input, negative dims included; some slices have a single True."""
    x = inputs.tensor(rng, (3, 4, 5))
    mask = torch.rand(3, 4, 5, generator=rng) < 0.6
    mask[..., 0] = True
    for dim in (0, 1, 2, -1):
        expect_tensor(
            student.masked_mean(x, mask, dim),
            _masked_reference(x, mask, dim),
            mistakes=KNOWN.of("masked_mean", x, mask, dim),
        )


@pytest.mark.points(1)
def test_masked_mean_all_false_slice_is_zero(student, rng):
    x = inputs.tensor(rng, (4, 6))
    mask = torch.rand(4, 6, generator=rng) < 0.5
    mask[0] = True
    mask[inputs.randint(rng, 1, 3)] = False  # a fully padded sentence
    got = student.masked_mean(x, mask, 1)
    expect_type(got, torch.Tensor)
    with naming_mistakes(got, KNOWN.of("masked_mean", x, mask, 1)):
        if bool(torch.isnan(got).any()):
            fail("an all-False slice gave NaN; its mean should be 0.")
    expect_tensor(got, _masked_reference(x, mask, 1), mistakes=KNOWN.of("masked_mean", x, mask, 1))


@pytest.mark.points(2)
@pytest.mark.kind("vectorised")
def test_masked_mean_vectorised(student, reference, rng):
    def case(side):
        x = _matrix(rng, side)
        return x, torch.rand(side, side, generator=rng) < 0.5, 1

    expect_vectorised(
        student.masked_mean, case(SMALL), case(LARGE), max_ops=30, reference=reference, timing=case(TIMED)
    )


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_masked_mean_device(student, device, rng):
    x = inputs.tensor(rng, (3, 5))
    mask = torch.rand(3, 5, generator=rng) < 0.5
    mask[0] = False
    expect_same_on_device(student.masked_mean, (x, mask, 1), device)


# -- softmax -------------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_softmax_values(student, rng):
    x = inputs.tensor(rng, (3, 4, 5)) * 3
    for dim in (-1, 0, 1):
        expect_tensor(student.softmax(x, dim), torch.softmax(x, dim), mistakes=KNOWN.of("softmax", x, dim))
    expect_tensor(student.softmax(x), torch.softmax(x, -1), mistakes=KNOWN.of("softmax", x))


@pytest.mark.points(1)
def test_softmax_large_magnitudes(student, rng):
    """Inputs of magnitude 1e4: exp overflows unless the max is subtracted first."""
    x = inputs.tensor(rng, (4, 6)) * 1e4
    got = student.softmax(x)
    expect_type(got, torch.Tensor)
    if not bool(torch.isfinite(got).all()):
        fail("inputs of magnitude 1e4 gave inf or NaN: subtract the max along dim before exp")
    expect_tensor(got, torch.softmax(x, -1))


@pytest.mark.points(1)
def test_softmax_from_scratch(student, rng):
    expect_not_calling(student.softmax, (inputs.tensor(rng, (3, 4)),), SOFTMAX_CALLS)


@pytest.mark.points(2)
@pytest.mark.kind("vectorised")
def test_softmax_vectorised(student, reference, rng):
    expect_vectorised(
        student.softmax,
        (_matrix(rng, SMALL),),
        (_matrix(rng, LARGE),),
        max_ops=30,
        reference=reference,
        timing=(_matrix(rng, TIMED),),
    )


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_softmax_device(student, device, rng):
    expect_same_on_device(student.softmax, (inputs.tensor(rng, (3, 5)),), device)


# -- cross_entropy -------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_cross_entropy_values(student, rng):
    """Random logits and targets, about a quarter of them ignored (-100)."""
    for dtype in (torch.float32, torch.float64):
        n, classes = inputs.randint(rng, 2, 12), inputs.randint(rng, 2, 7)
        logits, targets = inputs.tensor(rng, (n, classes), dtype) * 2, _targets(rng, n, classes)
        expect_tensor(
            student.cross_entropy(logits, targets),
            F.cross_entropy(logits, targets),
            mistakes=KNOWN.of("cross_entropy", logits, targets),
        )


@pytest.mark.points(1)
def test_cross_entropy_custom_ignore_index(student, rng):
    """ignore_index may be a real class id (0 for padding, the last class) or -1: only a comparison
    with ignore_index itself finds the ignored targets (not ``targets >= 0``, not -100 hard-coded)."""
    n, classes = 10, 5
    for ignore_index in (0, classes - 1, -1):
        logits = inputs.tensor(rng, (n, classes))
        targets = _targets(rng, n, classes, ignored=0.4, ignore_index=ignore_index)
        targets[0] = (ignore_index + 1) % classes  # at least one target counts
        expected = F.cross_entropy(logits, targets, ignore_index=ignore_index)
        try:
            expect_tensor(
                student.cross_entropy(logits, targets, ignore_index=ignore_index),
                expected,
                mistakes=KNOWN.of("cross_entropy", logits, targets, ignore_index),
            )
        except Mismatch as exc:
            raise with_note(
                exc,
                f"(Here ignore_index={ignore_index}: exactly the targets equal to it are left out; compare "
                "targets with ignore_index itself, not with -100 or with 0.)",
            ) from None


@pytest.mark.points(1)
def test_cross_entropy_large_logits(student, rng):
    logits, targets = inputs.tensor(rng, (6, 4)) * 1e4, _targets(rng, 6, 4, ignored=0)
    got = student.cross_entropy(logits, targets)
    expect_type(got, torch.Tensor)
    if not bool(torch.isfinite(got).all()):
        fail("logits of magnitude 1e4 gave inf or NaN: use logsumexp (or subtract the max)")
    expect_tensor(got, F.cross_entropy(logits, targets), rtol=1e-4)


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_cross_entropy_rejects_all_ignored(student, rng):
    logits = inputs.tensor(rng, (4, 3))
    with expect_raises(ValueError, special="every target is ignore_index (-100)"):
        student.cross_entropy(logits, torch.full((4,), -100))


@pytest.mark.points(1)
def test_cross_entropy_from_scratch(student, rng):
    expect_not_calling(student.cross_entropy, (inputs.tensor(rng, (5, 3)), _targets(rng, 5, 3)), LOSS_CALLS)


@pytest.mark.points(2)
@pytest.mark.kind("vectorised")
def test_cross_entropy_vectorised(student, reference, rng):
    def case(n):  # no ignored targets: mishandling ignore_index costs correctness points, not these
        return inputs.tensor(rng, (n, 10)), _targets(rng, n, 10, ignored=0)

    expect_vectorised(
        student.cross_entropy, case(SMALL), case(LARGE * 4), max_ops=60, reference=reference, timing=case(TIMED * 64)
    )


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_cross_entropy_device(student, device, rng):
    logits, targets = inputs.tensor(rng, (6, 4)), _targets(rng, 6, 4, ignored=0)  # ignoring: a correctness matter
    expect_same_on_device(student.cross_entropy, (logits, targets), device)


# -- known mistakes (autograder.harness.grading.mistakes): a wrong value that matches one is named ---------------
KNOWN = Catalogue()


@KNOWN.mistake(
    "standardize",
    "population_std",
    "It matches dividing by the population standard deviation (n, not n - 1): torch.std is unbiased, "
    "as the task asks; drop unbiased=False / correction=0.",
)
def _(mat):
    return (mat - mat.mean()) / mat.std(unbiased=False)


@KNOWN.mistake(
    "standardize",
    "column_means",
    "It matches subtracting each column's mean: standardize uses one mean over all elements (mat.mean()).",
)
def _(mat):
    return (mat - mat.mean(0, keepdim=True)) / mat.std()


@KNOWN.mistake(
    "standardize_rows",
    "population_std",
    "It matches the population standard deviation of each row (n, not n - 1): use the unbiased "
    "mat.std(dim=1, keepdim=True).",
)
def _(mat):
    return (mat - mat.mean(1, keepdim=True)) / mat.std(1, keepdim=True, unbiased=False)


@KNOWN.mistake(
    "standardize_rows",
    "columns_not_rows",
    "It matches standardizing columns (dim=0): a row's statistics are over dim=1, kept as [n, 1] "
    "(keepdim=True) so they broadcast across the row.",
)
def _(mat):
    return (mat - mat.mean(0, keepdim=True)) / mat.std(0, keepdim=True)


@KNOWN.mistake(
    "standardize_rows",
    "global_std",
    "It matches dividing every row by the standard deviation of the whole matrix: use each row's own "
    "std (dim=1, keepdim=True).",
)
def _(mat):
    return (mat - mat.mean(1, keepdim=True)) / mat.std()


@KNOWN.mistake(
    "standardize_rows",
    "global_mean",
    "It matches subtracting the mean of the whole matrix: use each row's own mean (dim=1, keepdim=True).",
)
def _(mat):
    return (mat - mat.mean()) / mat.std(1, keepdim=True)


@KNOWN.mistake(
    "pairwise_sq_dists",
    "not_squared",
    "It matches the distances themselves (torch.cdist, or a square root): the task asks for squared distances.",
)
def _(x, y):
    return _dists_reference(x, y).sqrt()


@KNOWN.mistake(
    "pairwise_sq_dists",
    "transposed",
    "It matches the [m, n] matrix of y's rows against x's: out[i, j] pairs row i of x with row j of y.",
)
def _(x, y):
    return _dists_reference(y, x)


@KNOWN.mistake(
    "masked_mean",
    "padding_counted",
    "It matches dividing by the full length of dim: the masked-out (padding) entries are counted. "
    "Divide by the number of True entries, mask.sum(dim).",
)
def _(x, mask, dim):
    return (x * mask.to(x.dtype)).sum(dim) / x.shape[dim]


@KNOWN.mistake(
    "masked_mean",
    "plain_mean",
    "It matches the plain mean over dim, mask ignored: multiply by the mask before summing and divide "
    "by mask.sum(dim).",
)
def _(x, mask, dim):
    return x.mean(dim)


@KNOWN.mistake(
    "masked_mean",
    "last_dim_only",
    "It matches averaging over the last dimension whatever dim says: pass dim to sum.",
)
def _(x, mask, dim):
    return _masked_reference(x, mask, -1)


@KNOWN.mistake(
    "masked_mean",
    "nan_on_empty",
    "It matches 0 / 0 = NaN for a slice whose mask is all False: clamp the count to at least 1 "
    "(count.clamp_min(1)), so that slice's mean is 0 as asked.",
)
def _(x, mask, dim):
    weights = mask.to(x.dtype)
    return (x * weights).sum(dim) / weights.sum(dim)


@KNOWN.mistake(
    "softmax",
    "global_normaliser",
    "It matches dividing by the sum over the whole tensor: normalise along dim, exps.sum(dim=dim, keepdim=True).",
)
def _(x, dim=-1):
    exps = (x - x.max()).exp()
    return exps / exps.sum()


@KNOWN.mistake(
    "softmax",
    "last_dim_only",
    "It matches a softmax over the last dimension whatever dim says: use dim in max and sum.",
)
def _(x, dim=-1):
    return torch.softmax(x, -1)


@KNOWN.mistake(
    "cross_entropy",
    "ignored_rows_counted",
    "It matches dividing by every row, ignored ones included: the mean is over the targets that are "
    "not ignore_index (divide by the number kept).",
)
def _(logits, targets, ignore_index=-100):
    return F.cross_entropy(logits, targets, ignore_index=ignore_index, reduction="sum") / len(targets)


@KNOWN.mistake(
    "cross_entropy",
    "negative_means_ignored",
    "It matches leaving out the negative targets instead of those equal to ignore_index: compare "
    "targets with ignore_index itself (it may be 0 or any class).",
)
def _(logits, targets, ignore_index=-100):
    return F.cross_entropy(logits, torch.where(targets < 0, torch.full_like(targets, -100), targets))


@KNOWN.mistake(
    "cross_entropy",
    "ignore_index_hard_coded",
    "It matches leaving out the targets equal to -100 whatever ignore_index says: compare with the "
    "ignore_index argument.",
)
def _(logits, targets, ignore_index=-100):
    return F.cross_entropy(logits, targets, ignore_index=-100)
