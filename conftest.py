"""Test-session set-up shared by ``tests/`` and ``notebooks/`` (nbval).

Notebook kernels the tests start (papermill runs, nbval) are forks of one server that has
already imported the heavy libraries, as in the pipeline (:mod:`helpers.kernel_forks`); the
server starts in the background with the session. ``ICSFIN_FORK_KERNELS=0`` turns it off.
"""

from __future__ import annotations

import contextlib

import pytest

_KERNEL_SERVER = contextlib.ExitStack()


def pytest_sessionstart(session: pytest.Session) -> None:
    from helpers.kernel_forks import fork_server

    _KERNEL_SERVER.enter_context(fork_server())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _KERNEL_SERVER.close()
