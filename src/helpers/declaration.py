"""The pre-declared hypotheses in ``params.yaml`` and the date git first recorded them.

A declaration is only as good as its timestamp: :func:`declared_on` asks git for the earliest
commit of ``params.yaml`` that added a declaration's exact text, so the report can print when
the primary model and drivers were fixed, computed rather than typed.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from helpers.paths import PARAMS_FILE

NOT_COMMITTED = "not yet committed"


def declaration_text(key: str, value: str | Sequence[str]) -> str:
    """The text of a declaration as written in ``params.yaml`` (flow style for lists)."""
    shown = value if isinstance(value, str) else f"[{', '.join(value)}]"
    return f"{key}: {shown}"


def declared_on(text: str, path: Path = PARAMS_FILE) -> str:
    """Date (YYYY-MM-DD) of the earliest commit that added ``text`` to ``path``.

    Uses git's pickaxe (``git log -S``), which finds commits that change how often the text
    occurs. Returns :data:`NOT_COMMITTED` when no commit contains it (or git is unavailable),
    so an uncommitted change to the declaration is never dated.
    """
    try:
        completed = subprocess.run(
            ["git", "log", "--reverse", "--format=%cs", "-S", text, "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return NOT_COMMITTED
    dates = completed.stdout.split()
    if not dates:
        return NOT_COMMITTED
    committed = subprocess.run(
        ["git", "show", f"HEAD:{path.name}"], cwd=path.parent, capture_output=True, text=True
    )
    return dates[0] if text in committed.stdout else NOT_COMMITTED
