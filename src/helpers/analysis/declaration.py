"""The pre-declared hypotheses in ``params.yaml`` and the date git first recorded them.

A declaration is only as good as its timestamp: :func:`declared_on` asks git for the earliest
commit of ``params.yaml`` that added a declaration's exact text, so the report can print when
the primary model and drivers were fixed, computed rather than typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from helpers.paths import PARAMS_FILE
from helpers.repository import git_output, git_succeeds

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
    log = ("log", "--reverse", "--format=%cs", "-S", text, "--", path.name)
    output = git_output(path.parent, *log)
    dates = (output or "").split()
    if not dates:
        return NOT_COMMITTED
    committed = git_output(path.parent, "show", f"HEAD:{path.name}") or ""
    return dates[0] if text in committed else NOT_COMMITTED


def first_commit(path: Path, text: str | None = None) -> tuple[str, str] | None:
    """(hash, YYYY-MM-DD) of the earliest commit of ``path`` (that added ``text``, when given);
    None when there is none or git is unavailable."""
    search = ["-S", text] if text is not None else []
    log = ("log", "--reverse", "--format=%H %cs", *search, "--", path.name)
    output = git_output(path.parent, *log)
    lines = (output or "").split("\n")
    if not lines[0].strip():
        return None
    commit, date = lines[0].split()
    return commit, date


def committed_value(section: str, key: str, path: Path = PARAMS_FILE) -> object | None:
    """The value of ``notebooks.<section>.<key>`` in the committed (HEAD) ``params.yaml``."""
    import yaml

    text = git_output(path.parent, "show", f"HEAD:{path.name}")
    if text is None:
        return None
    return ((yaml.safe_load(text) or {}).get("notebooks", {}).get(section) or {}).get(key)


def _shown(value: object) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def describe_declaration(
    what: str,
    key: str,
    value: str | Sequence[str],
    *,
    section: str,
    analysis: Path,
    path: Path = PARAMS_FILE,
) -> str:
    """A sentence dating a declaration in words and placing it against the analysis' history.

    ``what`` names it ("The primary model", "The declared drivers"). When the run's ``value``
    is committed, the sentence gives the date of the commit that first recorded it and whether
    that came after the analysis (``analysis``, e.g. the notebook) was first committed ("after
    exploratory versions"), in the same commit, or before. When it is not, the sentence says
    the run's value differs from the committed declaration and names that.
    """
    text = declaration_text(key, value)
    date = declared_on(text, path)
    plural = not isinstance(value, str)
    was, differs = ("were", "differ") if plural else ("was", "differs")
    if date == NOT_COMMITTED:
        committed = committed_value(section, key, path)
        sentence = f"{what} in this run ({_shown(value)}) {differs} from the committed declaration"
        if committed is None:
            return sentence + " (none is committed); this run's choice was not declared in advance."
        committed_date = declared_on(declaration_text(key, committed), path)  # type: ignore[arg-type]
        when = f", declared on {_words(committed_date)}" if committed_date != NOT_COMMITTED else ""
        return (
            f"{sentence} ({_shown(committed)}{when}); this run's choice was not declared in "
            "advance."
        )
    declared = first_commit(path, text)
    started = first_commit(analysis)
    sentence = f"{what} ({_shown(value)}) {was} declared on {_words(date)}"
    if declared is None or started is None:
        return sentence + "."
    if declared[0] == started[0]:
        return (
            sentence + ", in the same commit as the analysis' first results, so git cannot "
            "show that it preceded them."
        )
    if git_succeeds(path.parent, "merge-base", "--is-ancestor", started[0], declared[0]):
        return (
            sentence + f", after exploratory versions of the analysis (first committed on "
            f"{_words(started[1])})."
        )
    return sentence + ", before the analysis was first committed."


def _words(iso_date: str) -> str:
    from helpers.analysis.inference import date_in_words

    return date_in_words(iso_date)
