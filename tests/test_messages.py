"""The message format between the grading process and a worker: fast, faithful, and safe to read.

A worker writes the bytes the grading process reads, so every test below that builds bytes by hand
plays a submission that wrote to the grader's channel itself.
"""

import contextlib
import io
import pickle
import struct
import time

import pytest
import torch

from autograder.harness.isolation import bounds, messages


def _round_trip(value):
    return messages.unpack(messages.pack(value))


def _packed(body: bytes, *storages: bytes) -> bytes:
    """A packed message with ``body`` as its pickle, as a hostile worker could write it."""
    sizes = b"".join(struct.pack("<Q", len(s)) for s in storages)
    return messages.PACKED + struct.pack("<I", len(storages)) + sizes + b"".join(storages) + body


def test_plain_values_round_trip_exactly():
    value = {
        "t": torch.arange(6.0).reshape(2, 3),
        "ints": torch.tensor([1, 2], dtype=torch.int64),
        "flags": torch.tensor([True, False]),
        "half": torch.ones(2, dtype=torch.bfloat16),
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 4),
        "dtype": torch.float16,
        "device": torch.device("cpu"),
        "size": torch.Size([2, 3]),
        "complex": 1 + 2j,
        "nested": (1, [2.5, None, b"x", "s", float("inf")]),
        7: True,
    }
    out = messages.unpack(messages.pack(value))
    assert messages.pack(value)[:1] == messages.PACKED
    assert out.keys() == value.keys()
    for key, expected in value.items():
        got = out[key]
        assert type(got) is type(expected)
        if isinstance(expected, torch.Tensor):
            assert got.dtype == expected.dtype and got.shape == expected.shape and torch.equal(got, expected)
        else:
            assert got == expected


def test_views_share_memory_again_and_requires_grad_travels():
    base = torch.arange(12.0).reshape(3, 4)
    view = base[1:, ::2]
    weight = torch.ones(2, requires_grad=True)
    a, b, w = _round_trip((base, view, weight))
    assert a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()
    assert b.stride() == view.stride() and b.storage_offset() == view.storage_offset()
    assert torch.equal(b, view)
    assert w.requires_grad and w.is_leaf


@pytest.mark.filterwarnings("ignore")  # sparse CSR, quantized storage and nested tensors are "beta"
@pytest.mark.parametrize(
    "make,named",
    [
        (lambda: torch.eye(3).to_sparse(), "sparse tensor (layout torch.sparse_coo)"),
        (lambda: torch.nested.nested_tensor([torch.zeros(2), torch.zeros(3)]), "nested tensor"),
        (lambda: torch.quantize_per_tensor(torch.rand(3), 0.1, 0, torch.quint8), "quantized tensor"),
        (lambda: torch.zeros(3, dtype=torch.float8_e4m3fn), "dtype torch.float8_e4m3fn"),
        (lambda: torch.empty(2**40, device="meta"), "meta device"),
    ],
    ids=["sparse", "nested", "quantized", "float8", "meta"],
)
def test_a_tensor_the_format_cannot_hold_arrives_as_a_sentence_for_the_student(make, named):
    data = messages.pack({"value": [1, make()]})
    assert data[:1] == messages.PACKED
    found = bounds.problem(messages.unpack(data))
    assert found is not None and named in found and "at ['value'][1]" in found


@pytest.mark.filterwarnings("ignore")  # sparse tensors are "beta"
def test_the_grader_sends_odd_tensors_whole():
    data = messages.pack({"x": torch.eye(2).to_sparse()}, to_worker=True)
    assert data[:1] == messages.TORCH
    assert messages.unpack(data, trusted=True)["x"].layout == torch.sparse_coo


def test_a_parameter_arrives_as_a_plain_tensor():
    got = _round_trip(torch.nn.Parameter(torch.ones(2)))
    assert type(got) is torch.Tensor and got.requires_grad


def test_torch_save_is_read_from_the_grader_only():
    """torch.load, even weights_only, rebuilds what a hostile pickle asks for (a bytearray of any
    size, a tensor over uninitialised memory): a worker's message in that format is refused unread."""
    buffer = io.BytesIO()
    torch.save({"value": torch.ones(2)}, buffer)
    data = messages.TORCH + buffer.getvalue()
    assert torch.equal(messages.unpack(data, trusted=True)["value"], torch.ones(2))
    with pytest.raises(ValueError, match="not a message"):
        messages.unpack(data)


def _hostile_bodies():
    tensor_pid = ("tensor", 0, "float32", (4,), (1,), 0, False, "cpu")

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    yield "global", pickle.dumps(Evil(), protocol=5)
    yield "set", pickle.dumps({1, 2}, protocol=5)
    # BUILD on a tensor would call Tensor.__setstate__ (set_ with any size: the storage grows)
    body = io.BytesIO()
    p = pickle.Pickler(body, protocol=5)
    p.persistent_id = lambda obj: tensor_pid if obj == "T" else None
    p.dump("T")
    yield "build_on_tensor", body.getvalue()[:-1] + b"N}\x86b."
    # SETITEM with a tensor as its target would call Tensor.__setitem__ (an index_put of any size)
    yield "setitem_on_tensor", body.getvalue()[:-1] + b"K\x00K\x01s."
    yield "append_on_tensor", body.getvalue()[:-1] + b"K\x01a."
    yield "huge_memo_index", b"\x80\x05]r\xff\xff\xff\x7f."  # LONG_BINPUT 2**31-1: a 16 GiB memo table
    yield "get_unknown_memo", b"\x80\x05h\x05."
    yield "no_stop", b"\x80\x05]"
    yield "two_values", b"\x80\x05]]."
    yield "odd_setitems", b"\x80\x05}(K\x01u."


@pytest.mark.parametrize("name,body", list(_hostile_bodies()), ids=[n for n, _ in _hostile_bodies()])
def test_hostile_pickles_are_refused_before_the_unpickler_runs(name, body, capsys):
    with pytest.raises(pickle.UnpicklingError):
        messages.unpack(_packed(body, bytes(16)))
    assert "pwned" not in capsys.readouterr().out


def _tensor_message(dtype="float32", shape=(4,), stride=(1,), offset=0, storage=bytes(16), device="cpu"):
    body = io.BytesIO()
    p = pickle.Pickler(body, protocol=5)
    p.persistent_id = lambda obj: ("tensor", 0, dtype, shape, stride, offset, False, device) if obj == "T" else None
    p.dump("T")
    return _packed(body.getvalue(), storage)


def test_a_packed_tensor_is_built_only_inside_its_own_bytes():
    assert torch.equal(messages.unpack(_tensor_message()), torch.zeros(4))
    for forged in (
        {"shape": (5,)},  # one element past the end: set_ would have grown the storage
        {"shape": (2**40,), "stride": (1,)},
        {"offset": 4, "shape": (1,)},
        {"shape": (2, 3), "stride": (3,)},  # shape and strides disagree
        {"shape": (-1,)},
        {"dtype": "float8_e4m3fn"},
        {"dtype": "not_a_dtype"},
        {"shape": (1,) * 100, "stride": (1,) * 100},
        {"shape": (2**64,), "stride": (0,)},
        {"device": "cuda:0"} if not torch.cuda.is_available() else {"device": "cuda:99x"},
    ):
        with pytest.raises(pickle.UnpicklingError):
            messages.unpack(_tensor_message(**forged))


def test_a_zero_stride_giant_arrives_for_bounds_to_refuse():
    """Many elements over few bytes: legal here (no memory is used), refused by bounds.problem."""
    giant = messages.unpack(_tensor_message(shape=(2**33,), stride=(0,)))
    assert giant.shape == (2**33,)


def test_garbage_is_refused():
    for data in (b"", b"\x03abc", messages.PACKED + b"\xff\xff\xff\xff", _packed(b"\x80\x05N.", b"x")[:-5]):
        with pytest.raises(Exception):  # noqa: B017,PT011 - any error: the caller turns it into feedback
            messages.unpack(data)


def _seconds(data: bytes) -> float:
    start = time.process_time()
    with contextlib.suppress(Exception):  # noqa: SIM105 - refused or read: only the cost matters here
        messages.unpack(data)
    return time.process_time() - start


def test_reading_costs_time_linear_in_the_message_and_is_capped():
    """Attacks a reviewer found on the first version of the reader: each cost seconds of the
    grader's CPU or gigabytes of its memory for a message of a few megabytes."""
    many_storages = messages.PACKED + struct.pack("<I", 2_000_000) + bytes(16_000_000) + b"\x80\x05N."
    nested_marks = b"\x80\x05(" + b"N" * 40_000 + b"(t" * 40_000 + b"t."  # a mark scan per tuple
    many_items = b"\x80\x05(" + b"N" * 2_000_000 + b"t."
    for data in (many_storages, _packed(nested_marks), _packed(many_items)):
        assert _seconds(data) < 1.5
    with pytest.raises(ValueError, match="too many storages"):
        messages.unpack(many_storages)
    with pytest.raises(pickle.UnpicklingError, match="items"):
        messages.unpack(_packed(many_items))


def test_dict_keys_are_strings_or_small_ints():
    """Big ints can share a hash (1 + i * (2**61 - 1)): inserting thousands of them is quadratic."""
    assert _round_trip({"a": 1, 7: 2, -(2**31): 3}) == {"a": 1, 7: 2, -(2**31): 3}
    for key in (2**61 + 1, (1, 2), 1.5, None):
        with pytest.raises(pickle.UnpicklingError, match="dict key"):
            messages.unpack(_packed(pickle.dumps({key: 1}, protocol=5)))


def test_odd_leaves_are_refused():
    surrogate = b"\x80\x05\x8c\x03\xed\xa0\x80\x94."  # SHORT_BINUNICODE "\ud800"
    huge_size = io.BytesIO()
    p = pickle.Pickler(huge_size, protocol=5)
    p.persistent_id = lambda obj: ("size", (2**70, 5)) if obj == "S" else None
    p.dump("S")
    long_kind = io.BytesIO()
    p = pickle.Pickler(long_kind, protocol=5)
    p.persistent_id = lambda obj: ("x" * 10_000_000,) if obj == "K" else None
    p.dump("K")
    for body in (surrogate, huge_size.getvalue(), long_kind.getvalue()):
        with pytest.raises(pickle.UnpicklingError) as raised:
            messages.unpack(_packed(body))
        assert len(str(raised.value)) < 200  # never the message's own text
