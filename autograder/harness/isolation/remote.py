"""The grading side of a worker: start it, send it calls, judge nothing it says without checking.

A hidden test reads like a direct call::

    def test_from_list_ints(student):
        got = student.from_list([[1, 2], [3, 4]])      # runs in the worker, returns a real tensor
        expect_tensor(got, torch.tensor([[1, 2], [3, 4]]), call="from_list([[1, 2], [3, 4]])")

``student`` is a :class:`Remote` for the submitted module. Attribute access builds a path
(``student.from_list``) without a round trip; calling it sends one request. Values that are not
plain data come back as further ``Remote`` handles (a model, a dataset), which can be called,
passed back as arguments, or read with :meth:`Remote.fetch`. Objects the test itself needs in the
worker (a ``torch.Generator``, a reference model) are built there with :meth:`Worker.make`.

Each test gets its own worker, forked from a server that has torch imported already.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
import select
import shutil
import struct
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from autograder.harness.grading.describe import describe_call
from autograder.harness.isolation import bounds, libraries, wire
from autograder.harness.isolation.protocol import COMPILED, Job, Trusted, Work, screen_key, trusted_name
from autograder.harness.isolation.zygotes import zygote_for

_last_call = ["(no call yet)"]


def last_call() -> str:
    """The most recent student call, described by kinds and shapes (feedback names it)."""
    return _last_call[0]


_MISSING = re.compile(r"module 'a\d\d_\w+' has no attribute '\w+'")


class GradingFeedback(Exception):
    """A failure whose message is written for the student (the plugin shows it as it is)."""


class StudentError(GradingFeedback):
    """The student's code raised. ``mro`` holds the exception's class names, most derived first."""

    def __init__(self, call: str, info: dict) -> None:
        self.call = call
        self.type_name: str = info["type"]
        self.mro: list[str] = list(info["mro"])
        self.message: str = info["message"]
        self.student_traceback: str = info["traceback"]
        if self.missing:
            super().__init__(f"{call}: not defined in your file ({self.message})")
        elif self.not_implemented:
            super().__init__(f"{call}: not implemented yet (it raises NotImplementedError)")
        else:
            super().__init__(f"{call} raised {self.type_name}: {self.message}\n\n{self.student_traceback}".strip())

    def is_a(self, exc_type: type[BaseException]) -> bool:
        return exc_type.__name__ in self.mro

    @property
    def not_implemented(self) -> bool:
        """Still the stub (not any NotImplementedError torch might raise), or not there at all: no
        test, a device test included, passes for code that was never written."""
        return self.missing or (self.type_name == "NotImplementedError" and "not implemented yet" in self.message)

    @property
    def missing(self) -> bool:
        """The submitted module has no such function (the worker's lookup raised, not their code)."""
        return self.type_name == "AttributeError" and _MISSING.fullmatch(self.message) is not None


class WorkerFailure(GradingFeedback):
    """The worker crashed, exited or ran past its time limit while running student code."""


class AssignmentUnavailable(GradingFeedback):
    """The assignment file is missing or fails to import: every test of it fails with this reason."""


_SCREENED: set[str] = set()  # screen keys of files a worker screened and imported (see Job.screened)
_COMPILED: dict[str, bytes] = {}  # screen key -> what a worker compiled from those bytes (see Job.compiled)
COMPILED_FILE = ".compiled"  # its copy in a later worker's scratch folder


def _keep_compiled(digest: str, code: bytes) -> None:
    """Keep what a worker compiled, for the next workers of the same bytes (a warm grading process
    keeps the last 64 files' worth)."""
    _COMPILED.pop(digest, None)
    _COMPILED[digest] = code
    while len(_COMPILED) > 64:
        _COMPILED.pop(next(iter(_COMPILED)))


def _own_bytes(path: Path) -> bytes | None:
    """The bytes of the grader's copy at ``path`` (hashed and searched, never run here); None for a
    link, which is never followed in the grading process."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        return f.read()


MAX_MESSAGE_BYTES = 256 * 2**20


class MessageTooLarge(Exception):
    """A worker announced a message over MAX_MESSAGE_BYTES (its announced size is the message)."""


def _read_message(conn: Connection, deadline: float) -> bytes:
    """One message in multiprocessing's framing (a 4-byte big-endian size, or -1 then 8 bytes), read
    with a deadline for the whole of it: ``Connection.recv_bytes`` would wait forever for a message
    whose size was announced and whose bytes never come."""
    fd = conn.fileno()

    def read_exactly(size: int) -> bytes:
        chunks, got = [], 0
        while got < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(fd, min(size - got, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    (size,) = struct.unpack("!i", read_exactly(4))
    if size == -1:
        (size,) = struct.unpack("!Q", read_exactly(8))
    if size < 0 or size > MAX_MESSAGE_BYTES:
        raise MessageTooLarge(size)
    return read_exactly(size)


_PRIVATE: list[Path] = []


def private_folder() -> Path:
    """A folder of this process's that only its user can enter (removed at exit)."""
    if not _PRIVATE:
        _PRIVATE.append(new_private_folder())
        atexit.register(shutil.rmtree, _PRIVATE[0], True)
    return _PRIVATE[0]


def new_private_folder() -> Path:
    """A fresh folder only this user can enter, named after this process; the folders of grading
    processes that died without cleaning up (killed) are removed on the way."""
    base = Path(tempfile.gettempdir())
    for stale in base.glob("autograder-run-*"):
        pid = stale.name.split("-")[2]
        try:
            if pid.isdigit() and stale.lstat().st_uid == os.getuid() and not _alive(int(pid)):
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue
    return Path(tempfile.mkdtemp(prefix=f"autograder-run-{os.getpid()}-"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Where a grading run's seconds go on the grading side (python -m autograder bench reads them).
PROFILE: dict[str, float] = {}
# When not None, the submitted module's own calls with plain arguments are appended here as
# (module, function, args, kwargs): the bench replays the reference's in one process (the floor).
RECORDED: list[tuple[str, str, tuple, dict]] | None = None


def _spent(key: str, since: float) -> None:
    PROFILE[key] = PROFILE.get(key, 0.0) + time.perf_counter() - since
    PROFILE[key + " count"] = PROFILE.get(key + " count", 0.0) + 1


class Worker:
    """One worker process running one student file."""

    def __init__(
        self,
        module_name: str,
        student_file: Path,
        *,
        seed: int,
        call_timeout: float,
        memory_bytes: int,
        import_timeout: float = 30.0,
        simulate_cuda: bool = False,
        preload: tuple[str, ...] = (),
        private: Path | None = None,
        screen: bool = True,
    ) -> None:
        self.module_name = module_name
        self.call_timeout = call_timeout
        self.import_timeout = import_timeout
        # The scratch folder and the log live in a folder only the grader can enter: no worker can
        # plant a link where the grader will write, and the log is opened here, never by a worker.
        private = private or private_folder()
        self._scratch = Path(tempfile.mkdtemp(prefix=f"{module_name}-", dir=private))
        self._log = private / f"{self._scratch.name}.log"
        file_name = f"{module_name}{student_file.suffix}"
        shutil.copyfile(student_file, self._scratch / file_name, follow_symlinks=False)
        submitted = _own_bytes(self._scratch / file_name)  # read once: for the zygote and the screen key
        # Forked from a zygote that imported the heavy libraries the submission names (see libraries.py).
        self._zygote = zygote_for(simulate_cuda, preload + libraries.preload_for(submitted or b""))
        self._digest = screen_key(file_name, submitted) if screen and submitted is not None else ""
        screened = self._digest if self._digest in _SCREENED else ""
        compiled = ""
        if screened and self._digest in _COMPILED:
            (self._scratch / COMPILED_FILE).write_bytes(_COMPILED[self._digest])
            compiled = COMPILED_FILE
        self._job = Job(
            module_name,
            file_name,
            str(self._scratch),
            seed,
            memory_bytes,
            simulate_cuda,
            screen,
            screened,
            compiled,
            keep_compiled=bool(self._digest) and not compiled,
        )
        self._conn: Connection | None = None
        self._pid: int | None = None
        self._ticket: list | None = None  # the zygote's answer to begin()'s fork, until it is read
        self.notes: list[str] = []  # for the student, e.g. notebook cells that raised
        self.returned: set[str] = set()  # the submitted module's functions that returned normally here
        self.module = Remote(self, 0, (), module_name)

    # -- life cycle ------------------------------------------------------------------------------
    def begin(self) -> None:
        """Fork the worker, which then imports the submission on its own while this process goes
        on (a test running its checks): :meth:`start` waits for it. Nothing is sent to it before."""
        if self._pid is not None or self._ticket is not None:
            return
        log = os.open(self._log, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_APPEND, 0o600)
        try:
            self._ticket, self._conn = self._zygote.fork(self._job, log)
        finally:
            os.close(log)

    def _forked(self) -> None:
        """Read the pid begin()'s fork got, once."""
        if self._ticket is not None:
            ticket, self._ticket = self._ticket, None
            self._pid = self._zygote.pid(ticket)

    def start(self) -> None:
        """Fork the worker (unless :meth:`begin` did) and wait until it has imported the
        submission; raises AssignmentUnavailable on failure."""
        since = time.perf_counter()
        try:
            self._start()
        finally:
            _spent("worker start", since)

    def _start(self) -> None:
        self.begin()
        self._forked()
        deadline = time.monotonic() + self.import_timeout
        try:
            hello = self._receive(self.import_timeout, f"importing {self.module_name}")
            if self._job.keep_compiled and COMPILED in hello:  # its first message: no student code ran before
                if isinstance(hello[COMPILED], bytes):
                    _keep_compiled(self._digest, hello[COMPILED])
                hello = self._receive(max(0.0, deadline - time.monotonic()), f"importing {self.module_name}")
        except WorkerFailure as exc:
            printed = self.output().strip()
            printed = f"\n\nOutput before it stopped:\n{printed}" if printed else ""
            raise AssignmentUnavailable(f"{self.module_name} could not be imported: {exc}{printed}") from None
        if "refused" in hello:
            raise AssignmentUnavailable(str(hello["refused"]))
        self.notes: list[str] = [str(note) for note in hello.get("notes", [])]
        if "import_error" in hello:
            info = hello["import_error"]
            raise AssignmentUnavailable(
                f"{self.module_name} could not be imported, so none of its functions can be graded.\n\n"
                f"{info['traceback']}".strip()
            )
        if self._digest:  # its screen passed before any of its code ran: the same bytes pass again
            _SCREENED.add(self._digest)

    def close(self) -> None:
        since = time.perf_counter()
        self._kill(wait=False)
        shutil.rmtree(self._scratch, ignore_errors=True)
        self._log.unlink(missing_ok=True)
        _spent("worker close", since)

    def output(self, limit: int = 1500) -> str:
        """The tail of what the student's code printed so far."""
        try:
            with open(self._log, "rb") as f:
                f.seek(0, 2)
                size = f.tell()
                f.seek(max(0, size - limit))
                text = f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        return ("..." + text) if size > limit else text

    # -- requests ----------------------------------------------------------------------------------
    def make(self, target: Trusted, *args: Any, **kwargs: Any) -> Remote:
        """Build ``target(*args, **kwargs)`` inside the worker and keep it there; a handle to it.

        ``target`` is a helper from :mod:`autograder.scenarios` (the object itself) or a dotted path
        into PyTorch or the standard library (``"torch.Generator"``)."""
        name = trusted_name(target)
        return self._request({"op": "make", "target": name, "args": args, "kwargs": kwargs}, name)["value"]

    def ref(self, target: Trusted) -> Remote:
        """A handle to the trusted object ``target`` inside the worker, e.g. a function to pass."""
        name = trusted_name(target)
        return self._request({"op": "ref", "target": name}, name)["value"]

    def run(self, target: Trusted, *args: Any, **kwargs: Any) -> Any:
        """Call ``target`` (as in :meth:`make`) inside the worker and return its value."""
        name = trusted_name(target)
        return self._request({"op": "run", "target": name, "args": args, "kwargs": kwargs}, name)["value"]

    def call(self, fn: Remote, args: tuple, kwargs: dict, **flags: Any) -> Any:
        """Call ``fn`` in the worker; ``flags`` as in :mod:`autograder.harness.isolation.worker` (echo, keep, ...)."""
        _last_call[0] = describe_call(fn._name, args, kwargs)
        request = {"op": "call", "ref": fn._ref, "path": fn._path, "args": args, "kwargs": kwargs, **flags}
        reply = self._request(request, fn._name)
        if reply.get("tampered"):
            raise GradingFeedback(
                f"{_last_call[0]}: while its tensor operations were being counted, {reply['tampered']}. "
                "The grader cannot count them, so this check earns no points; leave PyTorch's dispatch "
                "machinery alone."
            )
        if flags.get("count_ops"):
            counts = [reply.get(key) for key in ("python", "elements")]
            if not all(type(n) is int and n >= 0 for n in counts) or not _op_counts(reply["value"]):
                raise WorkerFailure(f"{fn._name}: the process running your code sent counts the grader cannot read")
            return Work(reply["value"], *counts)
        if fn._ref == 0 and len(fn._path) == 1:
            self.returned.add(fn._path[0])
            if (
                RECORDED is not None
                and not flags.keys() & {"count_ops", "stage", "repeat"}
                and _replayable((args, kwargs))
            ):
                RECORDED.append((self.module_name, fn._path[0], args, kwargs))
        echo = flags.get("echo", False)
        if echo:
            return reply["value"], reply["inputs"], reply["kwinputs"]
        return reply["value"]

    def cpu_seconds(self) -> float | None:
        """CPU time used so far by the worker's threads (the kernel's schedstat, in ns), or None."""
        if self._pid is None:
            return None
        total = 0
        try:
            for task in os.listdir(f"/proc/{self._pid}/task"):
                with open(f"/proc/{self._pid}/task/{task}/schedstat") as f:
                    total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return total / 1e9

    def get(self, attr: Remote) -> Any:
        return self._request({"op": "get", "ref": attr._ref, "path": attr._path}, attr._name)["value"]

    def _request(self, request: dict, name: str) -> dict:
        if self._pid is None:
            self.start()
        since = time.perf_counter()
        try:
            return self._round_trip(request, name)
        finally:
            _spent("timing requests" if "stage" in request or "repeat" in request else "requests", since)

    def _round_trip(self, request: dict, name: str) -> dict:
        for key in ("args", "kwargs"):
            if key in request:
                request = {**request, key: wire.to_wire(request[key], _send_handle, trust_marks=True)}
        nonce = secrets.token_hex(16)
        try:
            self._conn.send_bytes(wire.dumps({**request, "nonce": nonce}, to_worker=True))
        except (BrokenPipeError, OSError):
            self._receive(0.1, name)  # reports why the worker is gone
        reply = self._receive(self.call_timeout, name, nonce)
        resolved = wire.from_wire(reply, self._handle)
        if "error" in resolved:
            raise StudentError(name, resolved["error"])
        return resolved

    def _receive(self, timeout: float, doing: str, nonce: str | None = None) -> dict:
        """The worker's next message, read within ``timeout`` seconds whatever it sends (a message
        announced but never finished times out too), at most MAX_MESSAGE_BYTES, and answering the
        request that carried ``nonce``: a message the worker's own code forged on the grader's
        channel, without seeing the request, cannot."""
        if self._conn is None:
            raise WorkerFailure(f"{doing}: the worker is no longer running")
        try:
            data = _read_message(self._conn, time.monotonic() + timeout)
        except TimeoutError:
            self._kill()
            raise WorkerFailure(
                f"{doing} did not finish within {timeout:g} s and was stopped. "
                "Look for an infinite loop or a much slower algorithm than needed."
            ) from None
        except MessageTooLarge as exc:
            self._kill()
            raise WorkerFailure(f"{doing} sent back {exc} bytes; at most {MAX_MESSAGE_BYTES} are allowed") from None
        except (EOFError, OSError):
            code = self._kill()
            raise WorkerFailure(
                f"{doing} crashed the process running your code (exit code {code}). "
                "Look for os._exit, sys.exit at import, or a native crash."
            ) from None
        try:
            reply = wire.loads(data)
        except Exception as exc:  # noqa: BLE001 - anything we cannot read is the submission's problem
            reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
            raise WorkerFailure(
                f"{doing} returned a value the grader cannot read ({type(exc).__name__}: {reason}). "
                "Return plain tensors, numbers, strings and lists, tuples or dicts of them."
            ) from None
        # Bounded work whatever the worker sent: a broadcast giant, a sparse or nested tensor, a
        # structure nested thousands deep fails here, in microseconds, with a sentence for the student.
        if not isinstance(reply, dict):
            raise WorkerFailure(f"{doing}: the process running your code answered out of turn")
        if nonce is not None and reply.get("nonce") != nonce:
            self._kill()
            raise WorkerFailure(
                f"{doing}: the process running your code sent a message that does not answer the grader's "
                "request (something in it wrote to the grader's channel), so this test earns no points"
            )
        for key in ("value", "inputs", "kwinputs"):
            trouble = bounds.problem(reply.get(key))
            if trouble:
                raise WorkerFailure(f"{doing} {trouble}")
        rest = {key: item for key, item in reply.items() if key not in ("value", "inputs", "kwinputs")}
        if bounds.problem(rest):  # the worker's own fields (an error, counts): only a forged reply fails here
            self._kill()
            raise WorkerFailure(f"{doing}: the process running your code sent a malformed reply")
        return reply

    def _kill(self, wait: bool = True) -> int | None:
        """Stop the worker; with ``wait``, return its exit code (for the message when it crashed)."""
        self._forked()
        pid, self._pid = self._pid, None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if pid is None:
            return None
        if wait:
            return self._zygote.reap(pid)
        self._zygote.discard(pid)
        return None

    def _handle(self, handle: dict) -> Remote:
        return Remote(self, handle[wire.HANDLE], (), str(handle.get("type", "unknown")))


def _op_counts(value: Any) -> bool:
    return isinstance(value, dict) and all(type(k) is str and type(n) is int and n >= 0 for k, n in value.items())


def _send_handle(obj: Any) -> dict:
    if isinstance(obj, Remote):
        return {wire.HANDLE: obj._ref, "path": list(obj._path)}
    raise TypeError(f"cannot send a {type(obj).__name__} to the worker; build it there with Worker.make")


class Remote:
    """A reference to an object living in a worker (the submitted module, a model, a generator)."""

    __slots__ = ("_worker", "_ref", "_path", "_base")

    def __init__(self, worker: Worker, ref: int, path: tuple[str, ...], base: str) -> None:
        self._worker = worker
        self._ref = ref
        self._path = path
        self._base = base

    @property
    def _name(self) -> str:
        names = [] if self._ref == 0 else [self._base]
        return ".".join(names + list(self._path)) or self._base

    def __getattr__(self, name: str) -> Remote:
        if name.startswith("__"):
            raise AttributeError(name)
        return Remote(self._worker, self._ref, (*self._path, name), self._base)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._worker.call(self, args, kwargs)

    def __getitem__(self, key: Any) -> Any:
        """``remote[key]`` in the worker (a layer of a Sequential, an item of a dataset)."""
        return self._worker.call(Remote(self._worker, self._ref, (*self._path, "__getitem__"), self._base), (key,), {})

    def __iter__(self):
        raise TypeError(f"{self!r} lives in the worker: index it (remote[0]) or fetch() it instead of iterating")

    def with_inputs(self, *args: Any, **kwargs: Any) -> tuple[Any, tuple]:
        """Call, and also return the positional arguments as they are in the worker afterwards.

        Value and inputs travel in one message, so ``got`` and ``inputs[0]`` share storage here
        exactly when they shared it in the worker (the test of a view).
        """
        value, inputs, _ = self._worker.call(self, args, kwargs, echo=True)
        return value, inputs

    def keep(self, *args: Any, **kwargs: Any) -> Remote:
        """Call, but leave the result in the worker and return a handle to it (to watch it change)."""
        return self._worker.call(self, args, kwargs, keep=True)

    def fetch(self) -> Any:
        """Read this attribute's value (plain data, or another handle)."""
        return self._worker.get(self)

    def count_ops(self, *args: Any, **kwargs: Any) -> dict[str, int]:
        """Call once and return the ATen ops it dispatched, by name (see worker.OpCounter)."""
        return self.count_work(*args, **kwargs).ops

    def count_work(self, *args: Any, **kwargs: Any) -> Work:
        """Call once and return what it did, counted deterministically (see worker.count_work)."""
        return self._worker.call(self, args, kwargs, count_ops=True)

    def cpu_time_per_call(self, *args: Any, repeat: int = 5, **kwargs: Any) -> float | None:
        """CPU seconds the worker spent per call, over ``repeat`` calls in one request, each on its
        own fresh copy of the inputs (made beforehand, uncounted: caching results by tensor identity
        gains nothing). This process reads the worker's CPU time from the kernel (the worker cannot
        report a flattering figure); CPU time, unlike the clock, does not grow while other processes
        hold the cores. None where the kernel does not say (then nothing may be judged on time).
        Pass big inputs as handles (Worker.make) so their transfer is not counted."""
        self._worker.call(self, args, kwargs, stage=repeat)  # fresh copies of the inputs, uncounted
        before = self._worker.cpu_seconds()
        self._worker.call(self, (), {}, repeat=repeat)
        after = self._worker.cpu_seconds()
        if before is None or after is None:
            return None
        return (after - before) / repeat

    def __repr__(self) -> str:
        return f"<{self._name} in the worker>"


def _replayable(value: Any) -> bool:
    """Plain data with CPU tensors only: a call the bench can replay without a worker."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.device.type == "cpu" and type(value) is torch.Tensor
    if value is None or type(value) in (bool, int, float, str):
        return True
    if type(value) in (list, tuple):
        return all(_replayable(v) for v in value)
    if type(value) is dict:
        return all(_replayable(v) for v in value.values())
    return False


# A Remote forwards every attribute name to the object in the worker, so what the grading side
# needs to know about the handle itself is read through these functions, not attributes.
def type_of(handle: Remote) -> str:
    """The class name of the object ``handle`` refers to (``"Sequential"``)."""
    return handle._base


def name_of(handle: Remote) -> str:
    """How feedback names ``handle``: ``"standardize_rows"``, ``"Sequential.forward"``."""
    return handle._name


def attribute_of(handle: Remote) -> str:
    """The last attribute in ``handle``'s path (``student.softmax`` -> ``"softmax"``)."""
    return handle._path[-1]


def worker_of(handle: Remote) -> Worker:
    return handle._worker


def same_object(a: Remote, b: Remote) -> bool:
    """Whether two handles refer to the same object in the worker (``model(...)`` returned ``self``)."""
    return a._worker is b._worker and a._ref == b._ref and a._path == b._path
