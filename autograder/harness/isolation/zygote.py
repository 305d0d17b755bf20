"""The zygote: a process that imports torch once and forks a fresh worker for every test.

Importing torch costs seconds; forking a process that already has it costs milliseconds. The
grading process talks to its zygote over a Unix packet socket, one JSON request per packet:

``python -m autograder.harness.isolation.zygote FD LIBRARY [MODULE ...]``: LIBRARY (the simulated CUDA device's native
half, see :mod:`autograder.harness.isolation.simcuda`; ``-`` for none) is loaded before torch is imported; each MODULE
(``transformers...`` for a09) is imported before the first fork (``module:function`` also calls
the function once, to warm up what every worker would otherwise pay for on first use).

``{"op": "fork", "job": {...}}`` plus two file descriptors sent with SCM_RIGHTS (the worker's end of
its own socket, and its log, opened by the grading process)  ->  ``{"pid": ...}``
``{"op": "reap", "pid": ...}``  ->  ``{"exit_code": ...}`` (kills the worker's whole process group
first, so threads and children it left behind go too)
``{"op": "spawn", "preload": [...]}`` plus one file descriptor (its end of a new control socket)
->  ``{"pid": ...}``: a child zygote that imports ``preload`` too and then answers on that socket
(the zygote of a suite with a ``PRELOAD``; see :func:`_run_zygote`)
``{"op": "discard", "pid": ...}``  ->  no reply: the same kill, for a worker whose exit code nobody
needs (the normal end of a test), so the grading process does not wait for it to die
``{"op": "settle"}``  ->  no reply: more students will be graded, so spend idle moments making forks
cheaper (see :class:`_HugePages`)

Each worker starts a new session (``setsid``), so it cannot hold the grading process's terminal and
its process group can be killed as one. Where the sandbox is available (:mod:`autograder.harness.isolation.sandbox`),
the worker is process 1 of a PID namespace of its own and, when it dies, takes everything it
started along. Unlike
multiprocessing's forkserver, nothing of the grading process's ``__main__`` is re-run in the worker.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import json
import os
import select
import signal
import socket
import struct
import sys
import traceback
from multiprocessing.connection import Connection

from autograder.harness.isolation import sandbox

_HEADER = struct.Struct("!I")


def send_json(sock: socket.socket, message: dict, fds: tuple[int, ...] = ()) -> None:
    data = json.dumps(message).encode()
    socket.send_fds(sock, [_HEADER.pack(len(data)) + data], list(fds))


def recv_json(sock: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 2)
    if not data:
        raise EOFError
    (size,) = _HEADER.unpack_from(data)
    payload = data[_HEADER.size :]
    while len(payload) < size:
        more = sock.recv(size - len(payload))
        if not more:
            raise EOFError
        payload += more
    return json.loads(payload), fds


def main(control_fd: int, library: str | None = None, preload: tuple[str, ...] = ()) -> None:
    if library:
        ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)  # must precede `import torch`
    global worker
    from autograder.harness.isolation import worker  # imports torch and numpy, once, before any fork

    worker.warm_up(simulate_cuda=bool(library))
    sandbox.prepare()
    _load(preload)
    _serve(socket.socket(fileno=control_fd))


def _load(preload: tuple[str, ...]) -> None:
    """Import what every worker shares, then make it cheap to fork."""
    for name in preload:  # "module", or "module:function" to call once here (a warm-up)
        module_name, _, warm_up = name.partition(":")
        module = importlib.import_module(module_name)
        if warm_up:
            getattr(module, warm_up)()
    worker.guard_dispatch_controls()  # after every import: no module keeps an unguarded reference
    worker.note_course_modules()
    # Everything imported so far is shared with every worker. Without this, a worker's first garbage
    # collection walks (and so copies, page by page) all of torch's objects: ~7 ms per worker.
    gc.freeze()


def _serve(control: socket.socket) -> None:
    huge = _HugePages()
    while True:
        while huge.worth_it() and not select.select([control], [], [], huge.IDLE_S)[0]:
            huge.collapse_some()  # nothing asked for a moment
        try:
            request, fds = recv_json(control)
        except (EOFError, ConnectionError):
            return  # the grading process is gone
        if request["op"] == "fork":
            pid, uid, lock = sandbox.fork()
            if pid == 0:
                control.close()
                _run_worker(fds[0], fds[1], request["job"], uid)
            if lock is not None:
                _uid_locks[pid] = lock
            for fd in fds:
                os.close(fd)
            send_json(control, {"pid": pid})
        elif request["op"] == "spawn":
            pid = os.fork()
            if pid == 0:
                control.close()
                _run_zygote(fds[0], tuple(request["preload"]))
            for fd in fds:
                os.close(fd)
            send_json(control, {"pid": pid})
        elif request["op"] == "reap":
            send_json(control, {"exit_code": _reap(request["pid"])})
        elif request["op"] == "discard":
            _kill(request["pid"])
        elif request["op"] == "settle":
            huge.wanted = True
        _collect_exited()


class _HugePages:
    """Makes forking cheaper by moving the zygote's private memory into 2 MiB pages, while it is idle.

    A fork copies one page-table entry per 4 KiB page (and an exit frees them): ~6 ms for a zygote
    holding torch, ~11 ms with transformers, for every worker. Collapsed into huge pages (Linux's
    ``MADV_COLLAPSE``, 6.1+), the heap and Python's arenas take one entry per 2 MiB; a worker that
    writes to one gets its own copy of the 4 KiB it writes, as before. Collapsing costs ~10 ms per
    2 MiB (~0.6 s for a zygote holding torch), so it starts only when the grading process says it
    will grade again (``settle``: a warm process of ``grade-all`` after each student; a run grading
    once never pays for it), and is then done a few pages at a time when no request has come for
    ``IDLE_S`` (between students, while the grader judges), never in a request's way. Where the
    kernel refuses, nothing changes."""

    IDLE_S = 0.02
    BATCH = 4  # huge pages collapsed before looking at the socket again (~40 ms)
    _SIZE = 2 << 20
    _MADV_COLLAPSE = 25

    def __init__(self) -> None:
        self.wanted = False
        self.left: list[int] = []  # addresses of 2 MiB stretches still to collapse
        try:
            self._libc = ctypes.CDLL(None, use_errno=True)
            self._libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            with open("/proc/self/maps") as maps:
                for line in maps:
                    fields = line.split()
                    anonymous = fields[4] == "0" and (len(fields) == 5 or fields[5] == "[heap]")
                    if fields[1].startswith("rw") and anonymous:
                        start, end = (int(x, 16) for x in fields[0].split("-"))
                        first = -(-start // self._SIZE) * self._SIZE
                        self.left += range(first, end - self._SIZE + 1, self._SIZE)
        except (OSError, AttributeError, ValueError, IndexError):
            self.left = []

    def worth_it(self) -> bool:
        return self.wanted and bool(self.left)

    def collapse_some(self) -> None:
        for _ in range(min(self.BATCH, len(self.left))):
            # A stretch the kernel cannot collapse (or an older kernel: EINVAL) stays as it is.
            self._libc.madvise(self.left.pop(), self._SIZE, self._MADV_COLLAPSE)


def _run_zygote(fd: int, preload: tuple[str, ...]) -> None:
    """A zygote forked from this one that also imports ``preload`` (a suite's PRELOAD): its workers
    carry those modules, while the workers of suites without a PRELOAD come from the lean zygote
    (a fork of a process holding transformers costs ~2x one holding torch alone)."""
    code = 0
    try:
        for lock in _uid_locks.values():  # the parent's workers' uids: the parent releases them
            os.close(lock)
        _uid_locks.clear()
        _exited.clear()
        _load(preload)
        _serve(socket.socket(fileno=fd))
    except BaseException:  # noqa: BLE001 - never return into the parent's loop
        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


worker = None  # the autograder.harness.isolation.worker module, imported by main() once the library is loaded


def _run_worker(fd: int, log_fd: int, job: dict, uid: int | None) -> None:
    code = 0
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        worker.serve(Connection(fd), log_fd, worker.Job(**job), uid)
    except BaseException:  # noqa: BLE001 - a worker must never return into the zygote's loop
        traceback.print_exc()  # lands in the worker's log, which the grader shows
        code = 1
    finally:
        os._exit(code)


_exited: dict[int, int] = {}  # pid -> exit code, of workers collected before anyone asked
_uid_locks: dict[int, int] = {}  # pid -> the lock on its uid (see sandbox.fork), held until reaped


def _kill(pid: int) -> None:
    """Kill the worker's process group. Whatever the worker started, in its group or not, is in its
    PID namespace, which the kernel empties when the worker dies. (Not as root there is no such
    namespace: a process that left the group survives, and the report says workers are not isolated.)"""
    for target in (-pid, pid):
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _reap(pid: int) -> int | None:
    _kill(pid)
    if pid in _exited:
        return _exited.pop(pid)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    _release(pid)
    return os.waitstatus_to_exitcode(status)


def _release(pid: int) -> None:
    """The worker and its namespace are gone: its uid is free again."""
    lock = _uid_locks.pop(pid, None)
    if lock is not None:
        os.close(lock)


def _collect_exited() -> None:
    """Collect workers that have died (discarded ones, crashed ones), keeping their exit codes."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _exited[pid] = os.waitstatus_to_exitcode(status)
        _release(pid)
        if len(_exited) > 1000:  # codes of discarded workers nobody will ask for
            _exited.pop(next(iter(_exited)))


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the grading process, which stops us
    main(int(sys.argv[1]), None if sys.argv[2] == "-" else sys.argv[2], tuple(sys.argv[3:]))
