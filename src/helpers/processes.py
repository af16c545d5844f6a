"""Child processes that stop with their parent, on every platform: what the workflow's
wrapper (``helpers.workflow``), its notebook jobs and the curve chunks (``helpers.curves``) use.
Linux-only calls have a no-op fallback elsewhere."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Any

NUMERIC_THREAD_VARIABLES: tuple[str, ...] = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask the kernel to send this process ``sig`` when its parent exits (Linux
    ``PR_SET_PDEATHSIG``, kept across ``exec``); a no-op elsewhere. So a killed ``make`` takes
    Snakemake with it, and a killed Snakemake its jobs (whose kernels exit with them)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the request took effect
            os.kill(os.getpid(), sig)


def single_threaded() -> None:
    """One BLAS thread in every kernel this process starts (a value the user set is kept):
    threaded sums may differ in their last digits from run to run, and jobs already run side
    by side."""
    for variable in NUMERIC_THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")


def terminate_gracefully() -> None:
    """Turn SIGTERM into an exception, so papermill's cleanup shuts the kernel down."""

    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    with contextlib.suppress(ValueError, AttributeError):  # not the main thread / no SIGTERM
        signal.signal(signal.SIGTERM, stop)
