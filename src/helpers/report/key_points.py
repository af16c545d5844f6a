"""The briefing's key points and the sentences under the forest plot, written from the results.

Every sentence is computed from the numbers the notebooks saved (``numbers_*.json``) and from
the processed result tables (``model_drivers.csv`` with ``model_driver_statements.csv``,
``trust_model_coefficients.csv``, ``legacy_loans_tests.csv``, ``claims_check.csv``) plus the
curated national timeline: change a result and the words change (which driver, which
direction, whether it survives the correction for multiple testing). The plain names of drivers
and outcomes live once, in the variable registries' ``plain`` and ``short`` columns
(``variables.csv``, ``trust_variables.csv``, ``derived_variables.csv``, read by
:func:`helpers.report.labelling.plain_words`); a name without words is an error naming the file
and line.

:func:`key_points` gives the six numbered points (scale, system drivers, what cannot be tested,
legacy deficits, trusts, claims); :func:`reported_tests` gathers every reported driver test into
one table, which the forest plot draws (``helpers.report.plots.forest_plot``) and
:func:`forest_sentences` summarises in two sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.errors import DataError
from helpers.panel import derived_variables
from helpers.paths import PROCESSED_DIR
from helpers.report.labelling import plain_words

Number = str | int | float

#: Corrected p-values below this count as distinguishable from zero (the report's threshold).
ALPHA = 0.05
#: The kind of ``derived_variables.csv`` row for an explanation that acts on every system in
#: the same year.
NATIONAL_KIND = "national"
#: Trust-model terms that are controls, not hypotheses (never in the key points or the forest).
TRUST_CONTROLS = frozenset({"log_income", "teaching"})
#: The trust outcomes of the primary family, in the order the report gives them.
TRUST_PRIMARY_OUTCOMES = ("planned_position_pct", "variance_to_plan_pct", "q3_variance_pct")
#: The accounting outcome of the trust models (reported outside the primary family).
TRUST_ACCOUNTING_OUTCOME = "operating_margin_pct"
#: The system model's outcome: the registry variable that notebook 03 models as ``position_pct``.
SYSTEM_OUTCOME = "value_pct_allocation"
#: Outcomes in the order the forest plot shows them: system level first, then trusts.
OUTCOME_ORDER = (
    SYSTEM_OUTCOME,
    "planned_position_2025_26",
    "operating_margin_2024_25",
    *TRUST_PRIMARY_OUTCOMES,
    TRUST_ACCOUNTING_OUTCOME,
)
#: The legacy-loan test that the key point reports (trust level, every trust).
LEGACY_HEADLINE = ("trust", "all", "planned_position_pct", "any_legacy_loan")
LEGACY_WITHOUT_RAAC = ("trust", "without_raac", "planned_position_pct", "any_legacy_loan")
#: Verdicts of the claims check, in the order the key point names them.
CLAIM_VERDICTS = (
    "supported",
    "partly supported",
    "partly contradicted",
    "contradicted",
    "not testable",
)
YEAR_KEY = re.compile(r"^\d{4}_\d{2}$")


@dataclass(frozen=True)
class Results:
    """What the key points are written from. Tables may be None (that stage did not run);
    a point whose inputs are missing says so instead of disappearing."""

    numbers: dict[str, Number] = field(default_factory=dict)
    system_drivers: pd.DataFrame | None = None  # model_drivers.csv
    system_statements: pd.DataFrame | None = None  # model_driver_statements.csv (MDE, sentence)
    trust_tests: pd.DataFrame | None = None  # trust_model_coefficients.csv
    legacy_tests: pd.DataFrame | None = None  # legacy_loans_tests.csv
    claims: pd.DataFrame | None = None  # claims_check.csv
    timeline: pd.DataFrame | None = None  # curated national_timeline.csv (the selection)


def unit_words(unit: str) -> str:
    """A model's unit in words: 'pp of core allocation per SD' -> 'percentage points of
    allocation' (the per-SD part is said as 'for a typical difference')."""
    text = unit.removesuffix(" per SD").strip()
    if text == "pp of core allocation":
        return "percentage points of allocation"
    return re.sub(r"^pp\b", "percentage points", text)


def national_explanations() -> list[str]:
    """The explanations that hit every system at once (kind ``national`` in
    ``derived_variables.csv``), in plain words, in file order."""
    return [plain_words(name) for name in derived_variables.names_of_kind(NATIONAL_KIND)]


def _listing(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _number(value: float, digits: int = 1) -> str:
    """A magnitude with ``digits`` decimals (no sign)."""
    return f"{abs(value):,.{digits}f}"


def _words_count(count: int) -> str:
    """Counts under ten in words, as in running text."""
    words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    return words[count] if 0 <= count < len(words) else f"{count:,}"


def _was(count: int) -> str:
    return "was" if count == 1 else "were"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _year(key: str) -> str:
    """'2024_25' -> '2024/25'."""
    return key.replace("_", "/")


def _by_year(numbers: dict[str, Number], prefix: str, suffix: str) -> dict[str, Number]:
    """Values of ``<prefix><YYYY_YY><suffix>`` keys by year key, in year order."""
    found = {}
    for key, value in numbers.items():
        if key.startswith(prefix) and key.endswith(suffix):
            middle = key[len(prefix) : len(key) - len(suffix)]
            if YEAR_KEY.match(middle):
                found[middle] = value
    return dict(sorted(found.items()))


def support_basis(note: str) -> str | None:
    """'before deficit support' / 'after deficit support' when a timeline selection note says
    which side of the support a figure is on (the words follow the note), else None."""
    match = re.search(r"\b(before|after)\s+(?:deficit support|central support)", note)
    return f"{match.group(1)} deficit support" if match else None


def _timeline_note(timeline: pd.DataFrame | None, year: str, stage: str) -> str:
    if timeline is None:
        return ""
    rows = timeline[(timeline["financial_year"] == year) & (timeline["stage"] == stage)]
    return str(rows["selection_note"].iloc[0]) if len(rows) else ""


def key_point_scale(results: Results) -> str | None:
    """Final plans of the latest year against the first year's final plans (like with like:
    the same stage), with the side of deficit support the latest figure is on, and that
    year's initial plans."""
    numbers = results.numbers
    finals = {
        year: float(value) for year, value in _by_year(numbers, "national_final_", "_gbp_m").items()
    }
    if not finals:
        return None
    latest, first = max(finals), min(finals)
    basis = support_basis(_timeline_note(results.timeline, _year(latest), "final plans"))
    text = (
        f"Systems' final plans for {_year(latest)} added up to a deficit of "
        f"{numbers[f'national_final_{latest}_text']}" + (f" {basis}" if basis else "")
    )
    if first != latest:
        change = finals[latest] - finals[first]
        direction = "up from" if change > 0 else "down from" if change < 0 else "the same as"
        text += (
            f", {direction} {numbers[f'national_final_{first}_text']} at the same stage of "
            f"{_year(first)}"
        )
    draft = numbers.get(f"national_draft_{latest}_text")
    if draft:
        text += f" (initial {_year(latest)} plans: {draft})"
    return text + "."


def _effect_words(estimate: float, outcome_noun: str) -> str:
    """'larger deficits' / 'smaller deficits' for an outcome where positive is better."""
    return f"{'smaller' if estimate > 0 else 'larger'} {outcome_noun}"


def key_point_system_drivers(results: Results) -> str | None:
    """What the system-level models find: which declared drivers (if any) are distinguishable
    from zero after correction, at what N, and the smallest effect they could detect (the
    declared rows' MDE in ``system_statements``)."""
    frame, statements = results.system_drivers, results.system_statements
    numbers = results.numbers
    if frame is None or frame.empty or statements is None:
        return None
    declared = frame[frame["family"] == "declared"]
    mde = statements.loc[statements["family"] == "declared", "mde"]
    if declared.empty or mde.empty:
        return None
    names = [plain_words(name) for name in declared["driver"]]
    n_years = numbers.get("model_n_system_years", int(declared["n_obs"].max()))
    n_systems = numbers.get("model_n_systems", int(declared["n_clusters"].max()))
    sample = f"{n_years} system-years from {n_systems} systems"
    unit = (
        unit_words(str(declared["unit"].iloc[0]))
        if "unit" in declared
        else ("percentage points of allocation")
    )
    detectable = f"about {_number(mde.min())} to {_number(mde.max())} {unit}"
    found = declared[declared["p_adjusted"] < ALPHA]
    if found.empty:
        return (
            f"None of the {_words_count(len(declared))} system-level explanations tested "
            f"({_listing(names)}) stands out from chance in {sample}, too few to detect "
            f"effects smaller than {detectable} for a typical difference between systems."
        )
    parts = [
        f"higher {plain_words(row.driver)} went with {_effect_words(row.estimate, 'deficits')} "
        f"(about {_number(row.estimate)} {unit} for a typical difference)"
        for row in found.itertuples()
    ]
    rest = len(declared) - len(found)
    others = (
        "the other explanation" if rest == 1 else f"the other {_words_count(rest)} explanations"
    )
    tail = f", while {others} tested cannot be told apart from chance" if rest else ""
    return f"Across {sample}, {_listing(parts)}{tail}."


def key_point_untestable(results: Results) -> str | None:
    """The explanations these data cannot test at all, because they hit every system at once."""
    numbers = results.numbers
    shocks = national_explanations()
    if not shocks or "positions_n_systems_any_year" not in numbers:
        return None
    n_systems = int(numbers["positions_n_systems_any_year"]) + int(
        numbers.get("positions_n_systems_none", 0)
    )
    return (
        f"{_capital(_listing(shocks))} hit all {n_systems} systems in the same years, so these "
        "data cannot test them at all."
    )


def _legacy_row(frame: pd.DataFrame, key: tuple[str, str, str, str]) -> pd.Series | None:
    level, sample, outcome, term = key
    rows = frame[
        (frame["level"] == level)
        & (frame["sample"] == sample)
        & (frame["outcome"] == outcome)
        & (frame["term"] == term)
    ]
    return rows.iloc[0] if len(rows) else None


def key_point_legacy(results: Results) -> str | None:
    """Trusts that had a legacy deficit loan against the others: the planned 2025/26 margin
    gap, and whether it survives correction (and leaving out the RAAC hospitals)."""
    frame = results.legacy_tests
    if frame is None or frame.empty:
        return None
    row = _legacy_row(frame, LEGACY_HEADLINE)
    if row is None:
        return None
    direction = "lower" if row["estimate"] < 0 else "higher"
    text = (
        f"Trusts that needed {plain_words(LEGACY_HEADLINE[3], trust_first=True)} planned "
        "2025/26 margins about "
        f"{_number(row['estimate'])} percentage points {direction} than other trusts "
        f"({int(row['n_with_loan'])} of {int(row['n_obs'])} had one)"
    )
    if row["p_adjusted"] < ALPHA:
        text += ", a gap that holds after correction for multiple testing"
        without = _legacy_row(frame, LEGACY_WITHOUT_RAAC)
        if without is not None:
            holds = without["p_adjusted"] < ALPHA
            text += (
                " and without the RAAC hospitals"
                if holds
                else " but not without the RAAC hospitals"
            )
    else:
        text += ", but the gap cannot be told apart from chance after correction"
    return text + "."


def key_point_trusts(results: Results) -> str | None:
    """The trust models: how many primary tests survive correction, and the clearest result
    on the accounting outcome."""
    frame = results.trust_tests
    if frame is None or frame.empty:
        return None
    main = frame[(frame["analysis"] == "main") & ~frame["term"].isin(TRUST_CONTROLS)]
    primary = main[main["family"] == "primary"]
    if primary.empty:
        return None
    n_trusts = int(primary["n_obs"].max())
    n_drivers = primary["term"].nunique()
    found = primary[primary["p_adjusted"] < ALPHA]
    if found.empty:
        text = (
            f"Across {n_trusts} acute trusts, none of {_words_count(n_drivers)} trust-level "
            f"explanations is linked to 2025/26 plans or overspends beyond chance "
            f"({len(primary)} tests)"
        )
    else:
        parts = [
            f"higher {plain_words(row.term, trust_first=True)} went with "
            f"{'better' if row.estimate > 0 else 'worse'} finances "
            f"({plain_words(row.outcome, trust_first=True)})"
            for row in found.drop_duplicates("term").itertuples()
        ]
        text = (
            f"Across {n_trusts} acute trusts, {len(found)} of {len(primary)} tests of "
            f"{_words_count(n_drivers)} trust-level explanations survive correction: "
            + _listing(parts)
        )
    accounting = main[
        (main["outcome"] == TRUST_ACCOUNTING_OUTCOME) & (main["p_adjusted"] < ALPHA)
    ].sort_values("p_adjusted")
    if len(accounting):
        row = accounting.iloc[0]
        text += (
            f"; in the 2024/25 accounts, a higher {plain_words(row['term'], trust_first=True)} "
            "went with operating "
            f"margins about {_number(row['estimate'])} percentage points "
            f"{'higher' if row['estimate'] > 0 else 'lower'} per typical difference"
        )
    return text + "."


def _claim_name(claim: str) -> str:
    """A claim's first clause, quoted, as a short name."""
    clause = re.split(r"[;:]\s|,\s(?=[a-z])", claim.strip().rstrip("."), maxsplit=1)[0]
    return f"“{clause}”"


def key_point_claims(results: Results) -> str | None:
    """How the checked published claims came out, naming the supported and contradicted
    ones."""
    claims = results.claims
    if claims is None or claims.empty:
        return None
    unknown = sorted(set(claims["verdict"]) - set(CLAIM_VERDICTS))
    if unknown:
        raise DataError(f"claims_check.csv: verdict(s) {unknown} not in {list(CLAIM_VERDICTS)}")
    counts = claims["verdict"].value_counts()
    parts = []
    for verdict in CLAIM_VERDICTS:
        count = int(counts.get(verdict, 0))
        if verdict == "not testable":
            if count:
                parts.append(f"{count} could not be tested against independent data")
            continue
        named = claims[claims["verdict"] == verdict]
        if count and verdict != "partly supported":
            names = "; ".join(_claim_name(text) for text in named["claim"])
            parts.append(f"{count} {_was(count)} {verdict} ({names})")
        elif count:
            parts.append(f"{count} {_was(count)} partly supported")
    if not counts.get("contradicted", 0) and not counts.get("partly contradicted", 0):
        parts.append("none contradicted")
    return f"Of {len(claims)} published claims checked, " + _listing(parts) + "."


KEY_POINTS: dict[str, Callable[[Results], str | None]] = {
    "scale": key_point_scale,
    "drivers": key_point_system_drivers,
    "untestable": key_point_untestable,
    "legacy": key_point_legacy,
    "trusts": key_point_trusts,
    "claims": key_point_claims,
}


def key_points(results: Results) -> dict[str, str]:
    """The key points, in order; one whose inputs are missing says so."""
    return {
        name: build(results) or f"(This build has no results for the {name} key point.)"
        for name, build in KEY_POINTS.items()
    }


# --- every reported test, for the forest plot -----------------------------------------------

TEST_COLUMNS = [
    "level",
    "outcome",
    "outcome_label",
    "driver",
    "driver_label",
    "estimate",
    "conf_low",
    "conf_high",
    "p_adjusted",
    "adjustment",
    "unit",
    "n_obs",
]


def _tests_from(rows: pd.DataFrame, driver_column: str, **overrides: object) -> pd.DataFrame:
    """One result table's rows as reported tests: its estimate, interval, corrected p,
    correction, unit, outcome and N (the columns of the same name), the driver from
    ``driver_column``; ``overrides`` replace any of them (a value or a column)."""
    shared = ["outcome", "estimate", "conf_low", "conf_high", "p_adjusted", "adjustment", "unit"]
    frame = pd.DataFrame(
        {name: rows[name] for name in [*shared, "n_obs"] if name in rows and name not in overrides}
    )
    return frame.assign(driver=rows[driver_column], **overrides)


def reported_tests(results: Results) -> pd.DataFrame:
    """One row per reported driver test: the system model's declared drivers, the trust
    models' drivers on their four outcomes, and the legacy-loan tests (every trust, and the
    system roll-up). Estimates are in percentage points of the outcome, per standard
    deviation of the driver (or, for a yes/no driver, between yes and no); ``unit`` says which.
    Sorted by level, outcome and driver."""
    frames = []
    if results.system_drivers is not None:
        rows = results.system_drivers[results.system_drivers["family"] == "declared"]
        frames.append(
            _tests_from(rows, "driver", level="System", outcome=SYSTEM_OUTCOME, unit="pp per SD")
        )
    if results.trust_tests is not None:
        frame = results.trust_tests
        rows = frame[
            (frame["analysis"] == "main")
            & ~frame["term"].isin(TRUST_CONTROLS)
            & frame["outcome"].isin([*TRUST_PRIMARY_OUTCOMES, TRUST_ACCOUNTING_OUTCOME])
        ]
        frames.append(_tests_from(rows, "term", level="Trust", unit="pp per SD"))
    if results.legacy_tests is not None:
        rows = results.legacy_tests[results.legacy_tests["sample"] == "all"]
        frames.append(
            _tests_from(
                rows,
                "term",
                level=rows["level"].str.capitalize(),
                adjustment="bh q (exploratory family)",
            )
        )
    if not frames:
        return pd.DataFrame(columns=TEST_COLUMNS)
    tests = pd.concat(frames, ignore_index=True)
    trust_first = tests["level"] == "Trust"
    for column in ("outcome", "driver"):
        tests[f"{column}_label"] = [
            plain_words(name, "short", trust_first=trust)
            for name, trust in zip(tests[column], trust_first, strict=True)
        ]
    order = {name: index for index, name in enumerate(OUTCOME_ORDER)}
    tests["_order"] = tests["outcome"].map(order).fillna(len(order))
    tests = tests.sort_values("_order", kind="stable")
    return tests[TEST_COLUMNS].reset_index(drop=True)


def forest_sentences(tests: pd.DataFrame) -> tuple[str, str]:
    """Two sentences for under the forest plot: how many tests survive correction (naming
    them), and what the rest show."""
    if tests.empty:
        return ("This build has no reported tests.", "")
    found = tests[tests["p_adjusted"] < ALPHA]
    first = (
        f"Of the {len(tests)} tests of drivers in this report, "
        f"{_words_count(len(found)) if len(found) else 'none'} can be told apart from zero "
        "after correction for multiple testing"
    )
    if len(found):
        first += ": " + " and ".join(
            f"{plain_words(row.outcome, trust_first=row.level == 'Trust')} with "
            f"{plain_words(row.driver, trust_first=row.level == 'Trust')} "
            f"({'+' if row.estimate > 0 else '−'}{_number(row.estimate, 2)} percentage points"
            f"{'' if str(row.unit).startswith('pp (') else ' for a typical difference'})"
            for row in found.itertuples()
        )
    rest = tests[tests["p_adjusted"] >= ALPHA]
    straddle = int(((rest["conf_low"] <= 0) & (rest["conf_high"] >= 0)).sum())
    nominal = len(rest) - straddle
    second = (
        f"The other {len(rest)} cannot: {straddle} have a 95% interval that includes zero, and "
        f"{nominal} that exclude zero on their own do not survive the correction for the "
        "number of tests."
    )
    return first + ".", second


# --- loading ---------------------------------------------------------------------------------


def _read(path: Path) -> pd.DataFrame | None:
    return pd.read_csv(path) if path.is_file() else None


def load_results(numbers: dict[str, Number], processed_dir: Path = PROCESSED_DIR) -> Results:
    """The results the key points are written from: ``numbers`` plus the processed tables in
    ``processed_dir`` and the curated national timeline."""
    from helpers.analysis.describe import TIMELINE_FILE

    timeline = pd.read_csv(TIMELINE_FILE, dtype=str) if TIMELINE_FILE.is_file() else None
    return Results(
        numbers=numbers,
        system_drivers=_read(processed_dir / "model_drivers.csv"),
        system_statements=_read(processed_dir / "model_driver_statements.csv"),
        trust_tests=_read(processed_dir / "trust_model_coefficients.csv"),
        legacy_tests=_read(processed_dir / "legacy_loans_tests.csv"),
        claims=_read(processed_dir / "claims_check.csv"),
        timeline=timeline,
    )


def forest_title(tests: pd.DataFrame) -> str:
    """The forest plot's finding: how many of the tests survive correction."""
    found = int((tests["p_adjusted"] < ALPHA).sum())
    return (
        f"{_capital(_words_count(found)) if found else 'None'} of {len(tests)} tests of "
        "drivers can be told apart from zero after correction for multiple testing"
    )


def forest_variables(results: Results) -> dict[str, str]:
    """The two forest-plot sentences, for ``report/_variables.yml`` (key ``briefing``)."""
    first, second = forest_sentences(reported_tests(results))
    return {"forest_found": first, "forest_rest": second}


def variables(
    numbers: dict[str, Number], processed_dir: Path = PROCESSED_DIR
) -> dict[str, dict[str, str]]:
    """The sections of ``report/_variables.yml`` written here: ``key_points`` and
    ``briefing`` (for ``helpers.report.article_numbers.write_variables``)."""
    results = load_results(numbers, processed_dir)
    briefing = forest_variables(results)
    briefing["system_drivers"] = system_driver_names(results)
    return {"key_points": key_points(results), "briefing": briefing}


def system_driver_names(results: Results) -> str:
    """The system model's declared drivers in plain words ('a, b and c')."""
    frame = results.system_drivers
    if frame is None:
        return "(this build has no system model)"
    declared = frame.loc[frame["family"] == "declared", "driver"]
    return _listing([plain_words(name) for name in declared])
