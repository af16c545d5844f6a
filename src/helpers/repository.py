"""What git says about the repository: the one place this package runs git."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _run_git(root: Path, arguments: tuple[str, ...]) -> subprocess.CompletedProcess[str] | None:
    """``git <arguments>`` run in ``root``; None when git is missing or the command fails."""
    try:
        return subprocess.run(
            ["git", *arguments], cwd=root, capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None


def git_output(root: Path, *arguments: str) -> str | None:
    """Output of ``git <arguments>`` run in ``root``, stripped; None when git, the repository or
    the answer is missing (git not installed, not a repository, a failed command, no output)."""
    done = _run_git(root, arguments)
    return (done.stdout.strip() or None) if done else None


def git_succeeds(root: Path, *arguments: str) -> bool:
    """Whether ``git <arguments>`` run in ``root`` exits 0 (for yes/no questions such as
    ``merge-base --is-ancestor``)."""
    return _run_git(root, arguments) is not None
