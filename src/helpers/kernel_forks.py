"""Start Jupyter kernels as forks of a process that has already imported the heavy libraries.

Every stage notebook starts a fresh kernel and imports pandas, matplotlib, seaborn, SciPy and
statsmodels: about 4 CPU-seconds per kernel before its first line of analysis. A *fork server*
imports those libraries once; each kernel is then a fork of it and starts in a few
milliseconds. Only third-party libraries with no import-time effect on results are preloaded
(:data:`PRELOAD`, then :data:`PRELOAD_LATER`); the project's own helpers are imported by the
notebooks, as before, so a forked kernel computes exactly what a fresh one does (the
pipeline's byte-identity check compares the outputs).

How the pieces fit (all on one machine, over a Unix socket):

- :func:`fork_server` (used by the pipeline) starts the server process (``python -m
  helpers.kernel_forks --serve SOCKET``) and writes a ``python3`` kernelspec that shadows the
  usual one (via ``JUPYTER_PATH``), whose command is this module's client.
- The client (``python -m helpers.kernel_forks -f CONNECTION_FILE``) is what jupyter_client
  launches and watches as "the kernel process". It sends its arguments, working folder,
  environment and standard streams to the server and then relays signals (interrupt,
  terminate) to the kernel and exits with the kernel's exit code. If it is killed, the kernel
  is killed too. Without a server (no ``ICSFIN_KERNEL_FORKS`` socket) it simply becomes an
  ordinary kernel (``exec`` of ``ipykernel_launcher``).
- The server forks a *minder* per request, which forks the kernel: the minder waits for the
  kernel, forwards the client's signals and reports the exit code; the server only accepts
  connections and stays single-threaded, so forking it is safe.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: Environment variable holding the server's socket path; the client uses the server only if set.
SOCKET_VARIABLE = "ICSFIN_KERNEL_FORKS"

#: Set to 0 to start every kernel afresh: :func:`fork_server` then starts no server.
OFF_VARIABLE = "ICSFIN_FORK_KERNELS"

#: Imported by the server before it takes its first request: third-party libraries whose import
#: changes no state that a notebook's results depend on (no styles, no seeds), and that the
#: first stages (reading raw files) need.
PRELOAD: tuple[str, ...] = (
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "pandera.pandas",
    "pyreadr",
    "yaml",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",  # and the debugger it imports (debugpy): 0.15 s per kernel
)

#: Imported afterwards, one at a time whenever no request is waiting (the same rule applies):
#: the first kernels start about 2.5 CPU-seconds sooner, and a kernel forked before one of
#: these is imported imports it itself if its notebook needs it.
PRELOAD_LATER: tuple[str, ...] = (
    "scipy.stats",
    "matplotlib.pyplot",
    "seaborn",
    "statsmodels.api",
    "statsmodels.formula.api",
)

#: Signals the client passes on to the kernel.
RELAYED_SIGNALS: tuple[signal.Signals, ...] = (
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGQUIT,
)

_LENGTH = struct.Struct("!I")
_STATUS = struct.Struct("!i")
_INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


# --------------------------------------------------------------------------------- the server


def preload(modules: tuple[str, ...] = PRELOAD) -> None:
    """Import ``modules`` as a kernel would see them (inline plotting backend selected)."""
    os.environ.pop("JPY_PARENT_PID", None)
    os.environ.setdefault("MPLBACKEND", _INLINE_BACKEND)
    # as jupyter_client sets for every kernel: debugpy's import warns about frozen modules
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    for module in modules:
        importlib.import_module(module)


def serve(
    socket_path: Path,
    first: tuple[str, ...] = PRELOAD,
    later: tuple[str, ...] = PRELOAD_LATER,
) -> None:
    """Accept kernel requests on ``socket_path`` for ever, one forked minder each, once
    ``first`` is imported; import ``later`` one module at a time while no request waits."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # a kernel's path does not hold the folder it was started from
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(socket_path))
    listener.listen(64)
    print("ready", flush=True)  # requests wait in the backlog until the imports are done
    preload(first)
    pending = list(later)
    signal.signal(signal.SIGTERM, _stop_serving)
    listener.settimeout(0.5)
    minders: set[int] = set()
    try:
        while True:
            _reap(minders)
            if pending and not select.select([listener], [], [], 0)[0]:
                preload((pending.pop(0),))
                continue
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            minder = os.fork()
            if minder == 0:
                listener.close()
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                _mind(connection)
            minders.add(minder)
            connection.close()
    except SystemExit:
        _reap(minders, patience=5.0)
        sys.stdout.flush()
        os._exit(0)  # skip tearing down the preloaded libraries: 0.5 s the build waited for


def _stop_serving(_signum: int, _frame: object) -> None:
    """SIGTERM: leave the accept loop (the minders are reaped on the way out)."""
    raise SystemExit(0)


def _reap(minders: set[int], patience: float = 0.0) -> None:
    """Collect the minders that have finished, waiting up to ``patience`` seconds for the rest.
    Reaping (rather than ignoring SIGCHLD) adds the kernels' CPU time to this process's
    children, and so to the pipeline's: a benchmark of the build counts the kernels' work."""
    deadline = time.monotonic() + patience
    while minders:
        for minder in list(minders):
            if os.waitpid(minder, os.WNOHANG)[0]:
                minders.discard(minder)
        if not minders or time.monotonic() >= deadline:
            return
        time.sleep(0.05)


def _receive_request(connection: socket.socket) -> tuple[dict[str, object], list[int]]:
    """The client's request (arguments, folder, environment) and its three standard streams."""
    header, fds, _, _ = socket.recv_fds(connection, _LENGTH.size, 3)
    (length,) = _LENGTH.unpack(header)
    payload = b""
    while len(payload) < length:
        chunk = connection.recv(length - len(payload))
        if not chunk:
            raise ConnectionError("client went away while sending its request")
        payload += chunk
    return json.loads(payload), fds


def _mind(connection: socket.socket) -> None:
    """In the minder: fork the kernel, relay signals to it, report its exit status; never
    returns."""
    status = 1
    try:
        request, fds = _receive_request(connection)
        kernel = os.fork()
        if kernel == 0:
            _become_kernel(request, fds, connection)
        for fd in fds:
            os.close(fd)
        status = _watch(kernel, connection)
        connection.sendall(_STATUS.pack(status))
    finally:
        os._exit(0)


def _watch(kernel: int, connection: socket.socket) -> int:
    """Relay signal numbers from the client to ``kernel`` until it exits; kill it if the
    client goes away. Returns the kernel's exit status (negative: killed by that signal)."""
    while True:
        pid, wait_status = os.waitpid(kernel, os.WNOHANG)
        if pid:
            return os.waitstatus_to_exitcode(wait_status)
        readable, _, _ = select.select([connection], [], [], 0.05)
        if readable:
            message = connection.recv(1)
            with contextlib.suppress(ProcessLookupError):
                os.kill(kernel, message[0] if message else signal.SIGKILL)


def _become_kernel(request: dict[str, object], fds: list[int], connection: socket.socket) -> None:
    """In the forked kernel: take the client's streams, folder and environment, then run
    ipykernel as ``ipykernel_launcher`` would; never returns."""
    code = 1
    try:
        connection.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(str(request["cwd"]))
        os.environ.clear()
        os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})  # type: ignore[call-overload]
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        arguments = [str(a) for a in list(request["argv"])]  # type: ignore[call-overload]
        if os.environ.get("JPY_PARENT_PID"):  # read at import time, which was in the server
            arguments.append(f"--IPKernelApp.parent_handle={os.environ['JPY_PARENT_PID']}")
        sys.argv = [sys.argv[0], *arguments]
        if sys.path and (sys.path[0] in ("", os.getcwd())):
            del sys.path[0]  # as ipykernel_launcher does; IPython adds the folder back
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


# --------------------------------------------------------------------------------- the client


def _launch_ordinary_kernel(argv: list[str]) -> None:
    """Replace this process with an ordinary kernel (no server to fork from)."""
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


def client(argv: list[str]) -> int:
    """Ask the server for a kernel with ``argv``; relay signals; return its exit status."""
    socket_path = os.environ.get(SOCKET_VARIABLE)
    if not socket_path:
        _launch_ordinary_kernel(argv)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(socket_path)  # type: ignore[arg-type]
    except OSError:
        _launch_ordinary_kernel(argv)
    environment = {k: v for k, v in os.environ.items() if k != SOCKET_VARIABLE}
    payload = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": environment}).encode()
    socket.send_fds(connection, [_LENGTH.pack(len(payload))], [0, 1, 2])
    connection.sendall(payload)

    def relay(signum: int, _frame: object) -> None:
        with contextlib.suppress(OSError):
            connection.sendall(bytes([signum]))

    for relayed in RELAYED_SIGNALS:
        signal.signal(relayed, relay)
    reply = b""
    while len(reply) < _STATUS.size:
        try:
            chunk = connection.recv(_STATUS.size - len(reply))
        except InterruptedError:  # pragma: no cover - retried by Python since PEP 475
            continue
        if not chunk:
            return 1
        reply += chunk
    (status,) = _STATUS.unpack(reply)
    return 128 - status if status < 0 else status


# ------------------------------------------------------------------------- the pipeline's side


def write_kernelspec(directory: Path) -> Path:
    """Write a ``python3`` kernelspec under ``directory/kernels`` whose command is the client;
    put ``directory`` first on ``JUPYTER_PATH`` to make it the one jupyter_client finds."""
    spec_dir = directory / "kernels" / "python3"
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "helpers.kernel_forks", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": True},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return spec_dir


@contextlib.contextmanager
def fork_server(directory: Path | None = None, timeout: float = 60.0) -> Iterator[bool]:
    """Run a fork server for the duration of the block: kernels started by this process and
    its children (``JUPYTER_PATH`` and ``ICSFIN_KERNEL_FORKS`` are set in ``os.environ``) are
    forks of it; a server already running for this process (e.g. the test session's) is used
    instead of starting another. Yields True when a server runs; False, starting none, when
    ``ICSFIN_FORK_KERNELS`` is 0. If it cannot start, a
    warning goes to standard error and kernels start afresh as usual (yields False). The
    environment is restored, the server stopped and its folder (in ``directory``, default the
    system's temporary folder, short enough for a socket path) removed on exit."""
    if os.environ.get(OFF_VARIABLE, "1") == "0":
        yield False
        return
    active = os.environ.get(SOCKET_VARIABLE)
    if active and Path(active).is_socket():  # one is already running for this process tree
        yield True
        return
    scratch = Path(tempfile.mkdtemp(prefix="tmp-kernels-", dir=directory))
    socket_path = scratch / "server.sock"
    write_kernelspec(scratch)
    server = subprocess.Popen(
        [sys.executable, "-m", "helpers.kernel_forks", "--serve", str(socket_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    saved = {name: os.environ.get(name) for name in (SOCKET_VARIABLE, "JUPYTER_PATH")}
    try:
        try:
            _wait_until_ready(server, timeout)
        except RuntimeError as error:
            print(f"kernels start afresh: {error}", file=sys.stderr)
            yield False
            return
        os.environ[SOCKET_VARIABLE] = str(socket_path)
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            filter(None, [str(scratch), saved["JUPYTER_PATH"]])
        )
        yield True
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        _stop(server)
        shutil.rmtree(scratch, ignore_errors=True)


def _stop(server: subprocess.Popen[str]) -> None:
    """Terminate the server (kill it if it does not stop within 5 s) and close its pipe."""
    server.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(timeout=5)
    if server.poll() is None:
        server.kill()
        server.wait()
    if server.stdout is not None:
        server.stdout.close()


def _wait_until_ready(server: subprocess.Popen[str], timeout: float) -> None:
    """Block until the server prints ``ready``; RuntimeError if it exits or times out."""
    assert server.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        readable, _, _ = select.select([server.stdout], [], [], 0.1)
        if readable and server.stdout.readline().strip() == "ready":
            return
        if server.poll() is not None:
            raise RuntimeError(f"the kernel fork server exited with status {server.returncode}")
    raise RuntimeError(f"the kernel fork server was not ready within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    """``--serve SOCKET`` runs the server; anything else is a kernel's command line."""
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["--serve"]:
        serve(Path(arguments[1]))
        return 0
    return client(arguments)


if __name__ == "__main__":
    raise SystemExit(main())
