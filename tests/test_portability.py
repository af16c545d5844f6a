"""The package imports on Windows: every ``helpers`` module imports with the POSIX-only
standard modules made unimportable, and the file lock has a Windows branch."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import helpers
from helpers import locks

#: Standard-library modules that exist only on POSIX systems (absent on Windows).
POSIX_ONLY = ("fcntl", "resource", "pwd", "grp", "termios", "tty", "pty", "syslog", "crypt")
#: Modules being replaced by Snakemake (issue 21): stood in for by empty stubs, not imported.
BEING_DELETED = ("helpers.pipeline", "helpers.kernel_forks", "helpers.prefetch")

IMPORT_ALL = """
import importlib, json, sys, types
from unittest import mock
for name in {blocked!r}:
    sys.modules[name] = None  # `import name` now raises ImportError, as on Windows
for name in {stubs!r}:
    stub = types.ModuleType(name)
    stub.__getattr__ = lambda attribute: mock.MagicMock(name=attribute)
    sys.modules[name] = stub
failed = {{}}
for name in {modules!r}:
    try:
        importlib.import_module(name)
    except Exception as error:
        failed[name] = f"{{type(error).__name__}}: {{error}}"
print(json.dumps(failed))
"""


def helpers_modules() -> list[str]:
    """Every module of the ``helpers`` package, sub-packages included, by dotted name."""
    return sorted(
        module.name
        for module in pkgutil.walk_packages(helpers.__path__, prefix="helpers.")
        if module.name not in BEING_DELETED
    )


def test_every_module_imports_without_posix_only_modules() -> None:
    modules = helpers_modules()
    assert len(modules) >= 40 and "helpers.interim" in modules and "helpers.render" in modules
    code = IMPORT_ALL.format(blocked=POSIX_ONLY, stubs=BEING_DELETED, modules=modules)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    assert json.loads(done.stdout.splitlines()[-1]) == {}


def test_the_check_catches_a_posix_only_import() -> None:
    code = IMPORT_ALL.format(blocked=POSIX_ONLY, stubs=(), modules=["fcntl", "json"])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert list(json.loads(done.stdout)) == ["fcntl"]


def test_the_lock_uses_msvcrt_where_there_is_no_fcntl(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[int, int]] = []
    fake = types.SimpleNamespace(LK_LOCK=2, LK_UNLCK=0)
    tries = iter([OSError("busy"), None])

    def locking(_fd: int, mode: int, size: int) -> None:
        calls.append((mode, size))
        if mode == fake.LK_LOCK:
            error = next(tries)
            if error:
                raise error

    fake.locking = locking
    monkeypatch.setattr(locks, "fcntl", None)
    monkeypatch.setattr(locks, "msvcrt", fake)
    with (tmp_path / "x.lock").open("a") as handle:
        with locks.exclusive(handle):
            assert calls == [(2, 1), (2, 1)]  # retried while another process held it
        assert calls[-1] == (0, 1)


def test_the_lock_excludes_another_process(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    code = (
        "import sys; from helpers import locks\n"
        "with open(sys.argv[1], 'a') as h, locks.exclusive(h): print('got it')\n"
    )
    with lock.open("a") as handle, locks.exclusive(handle):
        child = subprocess.Popen(
            [sys.executable, "-c", code, str(lock)], stdout=subprocess.PIPE, text=True
        )
        with pytest.raises(subprocess.TimeoutExpired):
            child.wait(timeout=2)  # blocked while this process holds the lock
    assert child.communicate(timeout=60)[0].strip() == "got it"
