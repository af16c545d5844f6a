"""Dating a declaration in params.yaml from git history (a throwaway repository)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers.analysis import declaration


def git(repo: Path, *args: str, date: str = "2026-01-02T10:00:00") -> None:
    environment = {
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=environment)


def test_declared_on_gives_the_first_commit_that_added_the_text(tmp_path: Path) -> None:
    params = tmp_path / "params.yaml"
    git(tmp_path, "init", "-q")
    params.write_text("seed: 1\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "first", date="2026-01-02T10:00:00")
    text = declaration.declaration_text("main_predictors", ["a", "b"])
    assert text == "main_predictors: [a, b]"
    params.write_text(f"seed: 1\n{text}   # a comment\n")
    assert declaration.declared_on(text, params) == declaration.NOT_COMMITTED
    git(tmp_path, "commit", "-qam", "declare", date="2026-03-04T10:00:00")
    params.write_text(f"seed: 2\n{text}   # another comment\n")
    git(tmp_path, "commit", "-qam", "later edit", date="2026-05-06T10:00:00")
    assert declaration.declared_on(text, params) == "2026-03-04"
    changed = declaration.declaration_text("main_predictors", ["a"])
    params.write_text(f"seed: 2\n{changed}\n")
    assert declaration.declared_on(changed, params) == declaration.NOT_COMMITTED
