"""The package imports on Windows: every ``helpers`` module imports with the POSIX-only
standard modules made unimportable."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import helpers

#: Standard-library modules that exist only on POSIX systems (absent on Windows).
POSIX_ONLY = ("fcntl", "resource", "pwd", "grp", "termios", "tty", "pty", "syslog", "crypt")

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
        module.name for module in pkgutil.walk_packages(helpers.__path__, prefix="helpers.")
    )


def test_every_module_imports_without_posix_only_modules() -> None:
    modules = helpers_modules()
    assert (
        len(modules) >= 40 and "helpers.data.io" in modules and "helpers.report.render" in modules
    )
    code = IMPORT_ALL.format(blocked=POSIX_ONLY, stubs=(), modules=modules)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    assert json.loads(done.stdout.splitlines()[-1]) == {}


def test_the_check_catches_a_posix_only_import() -> None:
    code = IMPORT_ALL.format(blocked=POSIX_ONLY, stubs=(), modules=["fcntl", "json"])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert list(json.loads(done.stdout)) == ["fcntl"]
