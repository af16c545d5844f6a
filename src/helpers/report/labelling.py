"""Human labels of variables and model terms, read from their one home: the variable registries.

:func:`label_of` looks a name up in the ICB variable registry
(``src/helpers/panel/variables.csv``), the trust registry (``trust_variables.csv``), the
registry of derived names (``derived_variables.csv``: roll-ups, legacy-loan measures, national
explanations) and the few columns a model design adds (:data:`DESIGN_LABELS`), and reads
patsy's categorical terms (``C(region_name)[T.London]``). A name in none of them is an error
that says where to add it, so a table never falls back to showing the internal name.
:func:`plain_words` reads the briefing's words for a name (columns ``plain`` and ``short``)
from the same registries. (Apart from
:mod:`helpers.report.tables` so that a stage that only formats tables does not depend on the
registries.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import ModuleType

from helpers.panel import derived_variables, trust_registry, variables

#: Labels of the columns a model design adds to the panel (fixed effects, outcomes) that are not
#: panel variables, so are not rows of a variable registry.
DESIGN_LABELS: dict[str, str] = {
    "Intercept": "Intercept",
    "financial_year": "Financial year",
    "stage": "Stage of the figure",
    "source_kind": "Kind of source",
    "region_name": "NHS England region",
    "basis": "Basis of the figure",
    "position_pct": "Financial position, % of core allocation",
    "position_pct_total": "Financial position, % of total allocation",
    "position_gbp_per_head": "Financial position, £ per registered person",
    "in_deficit": "In deficit (0/1)",
}
#: A categorical term as patsy names it: ``C(region_name)[T.London]``.
PATSY_TERM = re.compile(r"^C\((?P<variable>[^)]+)\)\[T\.(?P<level>.+)\]$")


class LabelError(KeyError):
    """A variable has no human label in any registry."""

    def __str__(self) -> str:  # KeyError quotes its message; this one reads as a sentence
        return str(self.args[0])


def registry_of(name: str, *, trust_first: bool = False) -> ModuleType | None:
    """The registry module holding ``name`` (each has ``label`` and ``words``): the ICB
    registry, the trust registry (first with ``trust_first``: a name in both is a trust-level
    variable in trust tables) or ``derived_variables.csv``; None when none has it."""
    in_icb, in_trust = name in variables.registry().index, name in trust_registry.registry().index
    if in_trust and (trust_first or not in_icb):
        return trust_registry
    if in_icb:
        return variables
    return derived_variables if name in derived_variables.registry().index else None


def label_of(name: str, *, trust_first: bool = False) -> str:
    """The human label of a variable or model term, from its one home: the ICB variable
    registry (``src/helpers/panel/variables.csv``), then the trust registry
    (``trust_variables.csv``; first with ``trust_first``, for trust-level tables), then
    :data:`DESIGN_LABELS`; a patsy term
    ``C(region_name)[T.London]`` reads 'NHS England region: London'.

    Raises:
        LabelError: naming the variable and the registries searched.
    """
    term = PATSY_TERM.match(name)
    if term:
        return f"{label_of(term['variable'], trust_first=trust_first)}: {term['level']}"
    home = registry_of(name, trust_first=trust_first)
    if home is not None:
        return home.label(name)
    if name in DESIGN_LABELS:
        return DESIGN_LABELS[name]
    raise LabelError(
        f"no label for {name!r}: add it to src/helpers/panel/variables.csv or "
        "trust_variables.csv (a panel variable), derived_variables.csv (a roll-up, legacy "
        "measure or national explanation) or to helpers.report.labelling.DESIGN_LABELS "
        "(a model design column)"
    )


def plain_words(name: str, kind: str = "plain", *, trust_first: bool = False) -> str:
    """The briefing's words for a variable: ``plain`` for running text ('delayed
    discharges'), ``short`` for a chart label ('Delayed discharges'), from the row that
    :func:`label_of` would read: the ICB registry, the trust registry (first with
    ``trust_first``) or ``derived_variables.csv``.

    Raises:
        DataError: naming the file and line of a row whose words are blank.
        LabelError: naming the registries when no registry has the name.
    """
    home = registry_of(name, trust_first=trust_first)
    if home is not None:
        return home.words(name, kind)
    raise LabelError(
        f"no plain words for {name!r}: add a row with plain and short words to "
        "src/helpers/panel/variables.csv or trust_variables.csv (a panel variable) or "
        "derived_variables.csv (a roll-up, legacy measure or national explanation)"
    )


def labels_of(names: Sequence[str], *, trust_first: bool = False) -> dict[str, str]:
    """``{name: label_of(name)}`` for each name (raises :class:`LabelError` on the first
    unknown one)."""
    return {name: label_of(name, trust_first=trust_first) for name in names}
