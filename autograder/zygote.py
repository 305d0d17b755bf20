"""The zygote: a process that imports torch once and forks a fresh worker for every test.

Importing torch costs seconds; forking a process that already has it costs milliseconds. The
grading process talks to its zygote over a Unix packet socket, one JSON request per packet:

``python -m autograder.zygote FD LIBRARY [MODULE ...]``: LIBRARY (the simulated CUDA device's native
half, see :mod:`autograder.simcuda`; ``-`` for none) is loaded before torch is imported; each MODULE
(``transformers...`` for a09) is imported before the first fork.

``{"op": "fork", "job": {...}}`` plus one file descriptor (the worker's end of its own socket, sent
with SCM_RIGHTS)  ->  ``{"pid": ...}``
``{"op": "reap", "pid": ...}``  ->  ``{"exit_code": ...}`` (kills the worker's whole process group
first, so threads and children it left behind go too)
``{"op": "discard", "pid": ...}``  ->  no reply: the same kill, for a worker whose exit code nobody
needs (the normal end of a test), so the grading process does not wait for it to die

Each worker starts a new session (``setsid``), so it cannot hold the grading process's terminal and
its process group can be killed as one. Unlike multiprocessing's forkserver, nothing of the grading
process's ``__main__`` is re-run in the worker.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import json
import os
import signal
import socket
import struct
import sys
import traceback
from multiprocessing.connection import Connection

from autograder import sandbox

_HEADER = struct.Struct("!I")


def send_json(sock: socket.socket, message: dict, fds: tuple[int, ...] = ()) -> None:
    data = json.dumps(message).encode()
    socket.send_fds(sock, [_HEADER.pack(len(data)) + data], list(fds))


def recv_json(sock: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 1)
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
    from autograder import worker  # imports torch and numpy, once, before any fork

    worker.warm_up(simulate_cuda=bool(library))
    sandbox.prepare()
    for name in preload:
        importlib.import_module(name)
    # Everything imported so far is shared with every worker. Without this, a worker's first garbage
    # collection walks (and so copies, page by page) all of torch's objects: ~7 ms per worker.
    gc.freeze()
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            request, fds = recv_json(control)
        except (EOFError, ConnectionError):
            return  # the grading process is gone
        if request["op"] == "fork":
            pid = os.fork()
            if pid == 0:
                control.close()
                _run_worker(fds[0], request["job"])
            os.close(fds[0])
            send_json(control, {"pid": pid})
        elif request["op"] == "reap":
            send_json(control, {"exit_code": _reap(request["pid"])})
        elif request["op"] == "discard":
            _kill(request["pid"])
        _collect_exited()


worker = None  # the autograder.worker module, imported by main() once the library is loaded


def _run_worker(fd: int, job: dict) -> None:
    code = 0
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        worker.serve(Connection(fd), worker.Job(**job))
    except BaseException:  # noqa: BLE001 - a worker must never return into the zygote's loop
        traceback.print_exc()  # lands in the worker's log, which the grader shows
        code = 1
    finally:
        os._exit(code)


_exited: dict[int, int] = {}  # pid -> exit code, of workers collected before anyone asked


def _kill(pid: int) -> None:
    for target in (-pid, pid):  # the worker's process group, then the worker itself
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    # What left the group (daemons too). Once the group is killed, no process of the worker's uid can
    # start a new one (Linux lets no fork complete once a group kill is pending), so one scan of
    # /proc tells whether the slower helper of kill_everything_of is needed.
    uid = sandbox.worker_uid(pid)
    if sandbox.can_isolate() and sandbox.runs_as(uid, besides=pid):
        sandbox.kill_everything_of(uid)


def _reap(pid: int) -> int | None:
    _kill(pid)
    if pid in _exited:
        return _exited.pop(pid)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status)


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
        if len(_exited) > 1000:  # codes of discarded workers nobody will ask for
            _exited.pop(next(iter(_exited)))


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the grading process, which stops us
    main(int(sys.argv[1]), None if sys.argv[2] == "-" else sys.argv[2], tuple(sys.argv[3:]))
