"""The legacy-deficit test: do trusts that needed DHSC deficit loans before 2019 still run deficits?

Data: DHSC's interim revenue support loans (IRSL) per trust at 31 March 2017, 2018 and 2019
(:mod:`helpers.data.readers.trust_deficit_loans`). Rules, stated once:

1. **2016/17 balance.** The per-trust rows of the 2016/17 sheet 'IRSL (TOTAL)' add the revenue
   loans DHSC listed under "normal course of business" to the interim revenue support loans;
   the 2016/17 balance used here is the sum of the sheet's interim revenue support loan lines
   ('Data'), the figure DHSC's 2017/18 report carries forward as each trust's opening balance
   (:func:`reconcile_2016_17` checks both, trust by trust, and explains the BBC's total).
   2017/18 and 2018/19: the 'IRSL (TOTAL)' rows, whose sums equal the BBC's totals.
2. **Today's trusts.** Each old code is mapped to its final successor (geographr
   ``lookup_trust_trust``, latest-dated link first); a successor not in the trust panel is
   followed once more through the 2026 merger list of trust_icb_lookup. Balances of merged
   predecessors are summed under the successor. Coverage is the share of the 2018/19 national
   balance that reaches a trust in the panel.
3. **Measures.** ``legacy_loan_pct_income``: the successor's 31 March 2019 balance as a
   percentage of its 2024/25 operating income (TAC; the only official income the panel holds:
   a year mismatch of six years, in which nominal income grew); ``any_legacy_loan``: 1 if any
   predecessor held a balance above zero at any of the three year-ends.
4. **System roll-up.** A system's legacy balance is the sum over the trusts the panel places in
   it, as a percentage of its 2024/25 ICB core allocation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.base.wrapper import ResultsWrapper

from helpers.analysis import design, inference, models
from helpers.data.readers._common import require_columns
from helpers.errors import DataError
from helpers.panel import derived_variables

YEARS: tuple[str, ...] = ("2016/17", "2017/18", "2018/19")
SHARE = "legacy_loan_pct_income"
ANY = "any_legacy_loan"
SYSTEM_SHARE = "legacy_loan_pct_allocation"
#: Tolerance (GBP m) for two sums to count as equal (the sheets are in whole GBP thousands).
TOLERANCE_GBP_M = 0.0005


def _column(year: str) -> str:
    """'2018/19' -> 'irsl_2018_19_gbp_m'."""
    return f"irsl_{year.replace('/', '_')}_gbp_m"


def name_key(name: str) -> str:
    """A trust name reduced for matching across transcriptions ('&' = 'and', letters only)."""
    text = str(name).lower().replace("&", "and")
    text = re.sub(r"^the\s+", "", text)
    return re.sub(r"[^a-z]", "", text)


# --- reconciliation of 2016/17 ------------------------------------------------------------------


def _by_code(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame.groupby("trust_code")[column].sum()


def match_names(ours: pd.Series, theirs: pd.Series) -> pd.DataFrame:
    """Pair two per-name balance series (index: trust name): by normalised name first, then the
    names left on both sides by an equal balance (one to one, in name order).

    Returns ``name``, ``ours``, ``theirs`` (missing where a side has no partner).
    """
    left = pd.DataFrame({"name": ours.index, "ours": ours.to_numpy()})
    right = pd.DataFrame({"their_name": theirs.index, "theirs": theirs.to_numpy()})
    left["key"] = left["name"].map(name_key)
    right["key"] = right["their_name"].map(name_key)
    both = left.merge(right, on="key", how="outer", validate="one_to_one")
    matched = both.dropna(subset=["name", "their_name"])
    only_ours = both.loc[both["their_name"].isna(), ["name", "ours"]].sort_values("name")
    only_theirs = both.loc[both["name"].isna(), ["their_name", "theirs"]].sort_values("their_name")
    pairs = []
    used: set[str] = set()
    for row in only_ours.itertuples():
        partner = only_theirs.loc[
            ~only_theirs["their_name"].isin(used)
            & ((only_theirs["theirs"] - row.ours).abs() < TOLERANCE_GBP_M)
        ]
        if len(partner):
            used.add(str(partner["their_name"].iloc[0]))
            pairs.append({"name": row.name, "ours": row.ours, "theirs": partner["theirs"].iloc[0]})
        else:
            pairs.append({"name": row.name, "ours": row.ours, "theirs": np.nan})
    rest = only_theirs.loc[~only_theirs["their_name"].isin(used)]
    table = pd.concat(
        [
            matched[["name", "ours", "theirs"]],
            pd.DataFrame(pairs, columns=["name", "ours", "theirs"]),
            rest.rename(columns={"their_name": "name"}).assign(ours=np.nan),
        ],
        ignore_index=True,
    )
    return table.sort_values("name", kind="stable").reset_index(drop=True)


def _other_names(lines: pd.DataFrame, code: str, name: str) -> str:
    """' (code X, also listed as Y)' when the loan lines give ``code`` another name, else ''."""
    others = sorted(set(lines.loc[lines["trust_code"] == code, "trust_name"]) - {name})
    return f" (code {code}, also listed as {', '.join(others)})" if others else ""


def reconcile_2016_17(
    balances: pd.DataFrame,
    lines: pd.DataFrame,
    ncb: pd.DataFrame,
    lines_2017_18: pd.DataFrame,
    bbc_trusts: pd.DataFrame,
    bbc_national: pd.DataFrame,
    successors: dict[str, str],
) -> pd.DataFrame:
    """Reconcile the 2016/17 per-trust rows with the loan lines, DHSC's 2017/18 opening
    balances and the BBC's stated total, step by step (GBP m).

    Returns rows ``step``, ``amount_gbp_m``, ``detail``; the last row, ``residual``, is what no
    step explains (zero when the reconciliation is complete). Raises DataError when the
    per-trust rows less the "normal course of business" revenue loans do not equal the loan
    lines trust by trust, or the loan lines do not equal the 2017/18 opening balances trust by
    trust (both sides mapped to their final successor by ``successors``, for mergers).
    """
    rows = balances.loc[balances["financial_year"] == "2016/17"]
    total_rows = float(rows["irsl_gbp_m"].sum())
    revenue_ncb = ncb.loc[ncb["loan_type"].str.lower().str.startswith("rev")]
    per_code = pd.concat(
        [
            _by_code(rows, "irsl_gbp_m").rename("rows"),
            _by_code(revenue_ncb, "closing_gbp_m").rename("ncb"),
            _by_code(lines, "closing_gbp_m").rename("lines"),
        ],
        axis=1,
    ).fillna(0.0)
    off = (per_code["rows"] - per_code["ncb"] - per_code["lines"]).abs() > TOLERANCE_GBP_M
    if off.any():
        raise DataError(
            "trust_deficit_loans 2016/17: 'IRSL (TOTAL)' less the revenue loans of 'Normal "
            "course of business' differs from the 'Data' loan lines for "
            f"{sorted(per_code.index[off])}"
        )

    def final(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(trust_code=frame["trust_code"].map(lambda c: successors.get(c, c)))

    carried = pd.concat(
        [
            _by_code(final(lines), "closing_gbp_m").rename("closing"),
            _by_code(final(lines_2017_18), "opening_gbp_m").rename("opening"),
        ],
        axis=1,
    ).fillna(0.0)
    differs = (carried["closing"] - carried["opening"]).abs() > TOLERANCE_GBP_M
    if differs.any():
        raise DataError(
            "trust_deficit_loans: 2016/17 closing loan lines differ from the 2017/18 opening "
            f"balances for {sorted(carried.index[differs])}"
        )
    by_name = lines.groupby("trust_name")["closing_gbp_m"].sum()
    by_name = by_name.loc[by_name.abs() > TOLERANCE_GBP_M]
    bbc = bbc_trusts.set_index("trust_name")["irsl_2016_17_gbp_m"].dropna()
    paired = match_names(by_name, bbc)
    left_out = paired.loc[paired["theirs"].isna() & paired["ours"].notna()]
    added = paired.loc[
        paired["ours"].isna()
        & paired["theirs"].notna()
        & (paired["theirs"].abs() > TOLERANCE_GBP_M)
    ]
    different = paired.dropna(subset=["ours", "theirs"])
    different = different.loc[(different["ours"] - different["theirs"]).abs() > TOLERANCE_GBP_M]
    stated = float(bbc_national.set_index("financial_year").loc["2016/17", "irsl_gbp_m"])
    code_of_name = lines.drop_duplicates("trust_name").set_index("trust_name")["trust_code"]
    ncb_by_code = _by_code(revenue_ncb, "closing_gbp_m")
    ncb_by_name = {name: float(ncb_by_code.get(code, 0.0)) for name, code in code_of_name.items()}
    line_total = float(lines["closing_gbp_m"].sum())
    steps = [
        (
            "per-trust rows of 'IRSL (TOTAL)'",
            total_rows,
            f"{len(rows)} rows, {rows['trust_code'].nunique()} codes",
        ),
        (
            "less revenue loans listed under 'normal course of business'",
            -float(revenue_ncb["closing_gbp_m"].sum()),
            f"{int((revenue_ncb['closing_gbp_m'] > 0).sum())} loan lines of "
            f"{revenue_ncb.loc[revenue_ncb['closing_gbp_m'] > 0, 'trust_code'].nunique()} trusts; "
            "equal, trust by trust, to the excess of the rows over the loan lines",
        ),
        ("interim revenue support loan lines ('Data')", line_total, f"{len(lines)} loan lines"),
        (
            "DHSC 2017/18 opening balances at 1 April 2017",
            float(lines_2017_18["opening_gbp_m"].sum()),
            "equal to the loan lines trust by trust (both mapped to today's successors)",
        ),
        (
            "less loan lines the BBC's per-trust table leaves out",
            -float(left_out["ours"].sum()),
            "; ".join(
                f"{r.name} {r.ours:.3f}"
                + _other_names(lines, str(code_of_name.get(r.name, "")), r.name)
                for r in left_out.itertuples()
            )
            or "none",
        ),
        (
            "plus BBC values above (+) or below (-) the loan lines",
            float((different["theirs"] - different["ours"]).sum()) + float(added["theirs"].sum()),
            "; ".join(
                f"{r.name}: BBC {r.theirs:.3f}, loan lines {r.ours:.3f}"
                + (
                    " (the BBC's figure adds its 'normal course of business' revenue loans)"
                    if abs(r.ours + ncb_by_name.get(r.name, 0.0) - r.theirs) < TOLERANCE_GBP_M
                    and ncb_by_name.get(r.name, 0.0) > 0
                    else ""
                )
                for r in different.itertuples()
            )
            + ("; " if len(different) and len(added) else "")
            + "; ".join(f"{r.name} {r.theirs:.3f} (not in the lines)" for r in added.itertuples()),
        ),
        ("BBC stated national total", stated, "sheet 'NHS ENGLAND'"),
    ]
    explained = (
        line_total
        - float(left_out["ours"].sum())
        + float((different["theirs"] - different["ours"]).sum())
        + float(added["theirs"].sum())
    )
    steps.append(("residual", stated - explained, "stated total less the explained total"))
    return pd.DataFrame(steps, columns=["step", "amount_gbp_m", "detail"])


def reconciliation_numbers(table: pd.DataFrame) -> dict[str, str]:
    """Numbers the report quotes from :func:`reconcile_2016_17` (GBP bn, 3 decimals)."""
    amounts = table.set_index("step")["amount_gbp_m"]
    details = table.set_index("step")["detail"]

    def bn(step: str) -> str:
        return f"{abs(amounts[step]) / 1000:.3f}"

    return {
        "legacy_2016_17_rows_bn": bn("per-trust rows of 'IRSL (TOTAL)'"),
        "legacy_2016_17_ncb_revenue_bn": bn(
            "less revenue loans listed under 'normal course of business'"
        ),
        "legacy_2016_17_lines_bn": bn("interim revenue support loan lines ('Data')"),
        "legacy_2016_17_bbc_bn": bn("BBC stated national total"),
        "legacy_2016_17_bbc_left_out": str(
            details["less loan lines the BBC's per-trust table leaves out"]
        ),
        "legacy_2016_17_bbc_differs": str(
            details["plus BBC values above (+) or below (-) the loan lines"]
        ),
        "legacy_2016_17_residual_gbp_m": f"{amounts['residual']:.3f}",
    }


# --- balances per today's trust ---------------------------------------------------------------


def year_end_balances(balances: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Balance per code and year (rule 1): ``financial_year``, ``trust_code``, ``irsl_gbp_m``."""
    later = balances.loc[balances["financial_year"] != "2016/17"]
    first = lines.assign(financial_year="2016/17").rename(columns={"closing_gbp_m": "irsl_gbp_m"})
    stacked = pd.concat(
        [first[["financial_year", "trust_code", "irsl_gbp_m"]], later], ignore_index=True
    )
    summed = stacked.groupby(["financial_year", "trust_code"], as_index=False)["irsl_gbp_m"].sum()
    return summed.sort_values(["financial_year", "trust_code"]).reset_index(drop=True)


def final_successors(
    successors: pd.DataFrame, codes: Sequence[str]
) -> tuple[dict[str, str], list[str]]:
    """Final successor of each code (:func:`helpers.panel.apportion.successor_map`), and the codes
    whose chain reaches a split (several successors on one date: no basis to divide a balance)."""
    from helpers.panel.apportion import successor_map

    mapped: dict[str, str] = {}
    split: list[str] = []
    for code in sorted(set(codes)):
        try:
            mapped.update(successor_map(successors, [code]))
        except DataError:
            split.append(code)
    return mapped, split


def map_to_today(
    codes: Sequence[str],
    geographr_successors: dict[str, str],
    merger_links: pd.DataFrame,
    today: Sequence[str],
) -> pd.DataFrame:
    """Today's trust for each old code (rule 2): ``old_code``, ``trust_code`` (missing when no
    trust of ``today`` is reached) and ``how``."""
    present = set(today)
    later = merger_links.groupby("old_code")["new_code"].agg(lambda c: sorted(set(c)))
    rows = []
    for code in sorted(set(codes)):
        target, how = geographr_successors.get(code, code), "same code"
        if target != code:
            how = f"geographr successor {target}"
        if target not in present:
            onward = [c for c in later.get(target, []) if c in present]
            if len(onward) == 1:
                target, how = onward[0], f"{how}; 2026 merger list {onward[0]}".lstrip("; ")
        rows.append(
            {
                "old_code": code,
                "trust_code": target if target in present else None,
                "how": how if target in present else f"no trust in the panel (reached {target})",
            }
        )
    table = pd.DataFrame(rows, columns=["old_code", "trust_code", "how"])
    table["trust_code"] = table["trust_code"].astype("string")
    return table


def legacy_by_trust(
    year_ends: pd.DataFrame, mapping: pd.DataFrame, panel: pd.DataFrame
) -> pd.DataFrame:
    """One row per trust of the panel: predecessor codes with a loan, balance per year, the
    any-loan flag and the 2018/19 balance as % of 2024/25 operating income (rules 2-3)."""
    require_columns(
        panel, ("trust_code", "trust_name", "icb_code", "operating_income_gbp_m"), "trust panel"
    )
    linked = year_ends.merge(
        mapping.rename(columns={"trust_code": "today"}),
        left_on="trust_code",
        right_on="old_code",
        how="left",
        validate="many_to_one",
    ).dropna(subset=["today"])
    wide = linked.pivot_table(
        index="today", columns="financial_year", values="irsl_gbp_m", aggfunc="sum", fill_value=0.0
    )
    wide = wide.reindex(columns=list(YEARS), fill_value=0.0)
    wide.columns = [_column(year) for year in wide.columns]
    predecessors = (
        linked.loc[linked["irsl_gbp_m"] > 0]
        .groupby("today")["old_code"]
        .agg(lambda c: ";".join(sorted(set(c))))
    )
    table = panel[["trust_code", "trust_name", "trust_type", "icb_code", "operating_income_gbp_m"]]
    table = table.merge(wide, left_on="trust_code", right_index=True, how="left")
    amounts = [_column(year) for year in YEARS]
    table[amounts] = table[amounts].fillna(0.0)
    table["loan_predecessors"] = table["trust_code"].map(predecessors).astype("string")
    table[ANY] = (table[amounts] > 0).any(axis=1).astype(int)
    table[SHARE] = 100.0 * table[_column("2018/19")] / table["operating_income_gbp_m"]
    return table.sort_values("trust_code").reset_index(drop=True)


def mapping_coverage(
    year_ends: pd.DataFrame, mapping: pd.DataFrame, legacy: pd.DataFrame
) -> dict[str, int | str]:
    """How much of the 2018/19 balance reaches the panel and a trust with income."""
    last = year_ends.loc[(year_ends["financial_year"] == "2018/19") & (year_ends["irsl_gbp_m"] > 0)]
    reached = last.merge(mapping, left_on="trust_code", right_on="old_code", how="left")
    in_panel = reached["trust_code_y"].notna()
    with_income = legacy.loc[legacy["operating_income_gbp_m"].notna(), _column("2018/19")].sum()
    total = float(last["irsl_gbp_m"].sum())
    unmapped = reached.loc[~in_panel, "old_code"].tolist()
    return {
        "legacy_n_codes_2018_19": len(last),
        "legacy_n_codes_mapped": int(in_panel.sum()),
        "legacy_total_2018_19_bn": f"{total / 1000:.3f}",
        "legacy_mapped_pct": f"{100 * reached.loc[in_panel, 'irsl_gbp_m'].sum() / total:.1f}",
        "legacy_with_income_pct": f"{100 * with_income / total:.1f}",
        "legacy_unmapped_codes": ", ".join(sorted(unmapped)) or "none",
        "legacy_n_trusts_any_loan": int(legacy[ANY].sum()),
    }


def legacy_by_system(legacy: pd.DataFrame, icb_year: pd.DataFrame, year: str) -> pd.DataFrame:
    """Per ICB: summed 2018/19 balance of its trusts, core allocation of ``year`` and the balance
    as % of that allocation (rule 4); every ICB of ``icb_year`` in that year, zero where none."""
    allocation = icb_year.loc[
        icb_year["financial_year"] == year, ["icb_code", "core_allocation_gbp_m"]
    ]
    balance = legacy.dropna(subset=["icb_code"]).groupby("icb_code")[_column("2018/19")].sum()
    any_trust = legacy.dropna(subset=["icb_code"]).groupby("icb_code")[ANY].sum()
    table = allocation.assign(
        legacy_gbp_m=allocation["icb_code"].map(balance).fillna(0.0),
        n_trusts_with_loan=allocation["icb_code"].map(any_trust).fillna(0).astype(int),
    )
    table[SYSTEM_SHARE] = 100.0 * table["legacy_gbp_m"] / table["core_allocation_gbp_m"]
    return table.sort_values("icb_code").reset_index(drop=True)


# --- the tests ----------------------------------------------------------------------------------


def leave_one_out(
    data: pd.DataFrame,
    outcome: str,
    term: str,
    terms: Sequence[str],
    effects: Sequence[str],
    labels: pd.Series,
    alpha: float,
) -> dict[str, object]:
    """Refit without each observation in turn: the range of ``term``'s estimate, and the
    observations whose removal changes its sign or its significance at ``alpha`` (HC3)."""
    full = design.linear_model(data, outcome, terms, effects).fit(cov_type="HC3")
    base_sign, base_sig = np.sign(full.params[term]), full.pvalues[term] < alpha
    estimates, changes = [], []
    for position, label in enumerate(labels.tolist()):
        subset = data.drop(index=data.index[position])
        if term not in subset or subset[term].nunique() < 2:
            continue
        result = design.linear_model(subset, outcome, terms, effects).fit(cov_type="HC3")
        estimate, p_value = result.params[term], result.pvalues[term]
        estimates.append(estimate)
        if np.sign(estimate) != base_sign or (p_value < alpha) != base_sig:
            changes.append(str(label))
    return {
        "loo_min": float(np.min(estimates)),
        "loo_max": float(np.max(estimates)),
        "loo_changes": ";".join(sorted(changes)),
    }


def _influence(result: ResultsWrapper, labels: pd.Series) -> dict[str, object]:
    """Largest Cook's distance (ties broken by label) and largest leverage with their labels."""
    table = models.influence_table(result, labels)
    table = table.sort_values(["cooks_distance", "label"], ascending=[False, True], kind="stable")
    lev = table.sort_values(["leverage", "label"], ascending=[False, True], kind="stable")
    return {
        "max_cooks_d": float(table["cooks_distance"].iloc[0]),
        "max_cooks_label": str(table["label"].iloc[0]),
        "max_leverage": float(lev["leverage"].iloc[0]),
        "max_leverage_label": str(lev["label"].iloc[0]),
    }


def persistence_tests(
    data: pd.DataFrame,
    outcomes: Sequence[str],
    measures: Sequence[str],
    controls: Sequence[str],
    effects: Sequence[str],
    label_column: str,
    level: str,
    alpha: float,
    sample_name: str = "all",
) -> pd.DataFrame:
    """OLS (HC3) of each outcome on each legacy measure in turn, with ``controls`` and fixed
    ``effects``; continuous measures and controls standardised within each sample (binary 0/1
    kept). One row per outcome x measure: estimate, CI, p, N, influence and leave-one-out;
    ``sample_name`` names the sample ("all", "without_raac") in the rows and report keys."""
    rows = []
    for outcome in outcomes:
        for measure in measures:
            columns = [outcome, measure, *controls, *effects, label_column]
            sample = data.dropna(subset=columns).reset_index(drop=True)
            continuous = [c for c in [measure, *controls] if sample[c].nunique() > 2]
            sample = models.standardise(sample, continuous)
            terms = [measure, *controls]
            result = design.linear_model(sample, outcome, terms, effects).fit(cov_type="HC3")
            low, high = result.conf_int(alpha=0.05).loc[measure]
            rows.append(
                {
                    "level": level,
                    "sample": sample_name,
                    "outcome": outcome,
                    "term": measure,
                    "unit": "pp per SD" if measure in continuous else "pp (any loan vs none)",
                    "estimate": float(result.params[measure]),
                    "std_error": float(result.bse[measure]),
                    "conf_low": float(low),
                    "conf_high": float(high),
                    "p_value": float(result.pvalues[measure]),
                    "n_obs": int(result.nobs),
                    "n_with_loan": int((sample[ANY] > 0).sum()) if ANY in sample else np.nan,
                    **_influence(result, sample[label_column]),
                    **leave_one_out(
                        sample, outcome, measure, terms, effects, sample[label_column], alpha
                    ),
                }
            )
    return pd.DataFrame(rows)


def describe_persistence(row: pd.Series, label: str, outcome_label: str, alpha: float) -> str:
    """One generated sentence on a persistence test, its leave-one-out range and influence."""
    sentence = inference.describe_estimate(
        f"{label} [outcome: {outcome_label}; N = {int(row['n_obs'])}]",
        row["estimate"],
        row["conf_low"],
        row["conf_high"],
        row["p_adjusted"],
        row["unit"],
        alpha=alpha,
    )
    sentence += (
        f" Leaving out one observation at a time, the estimate ranges from "
        f"{inference.format_number(row['loo_min'])} to {inference.format_number(row['loo_max'])}"
    )
    if row["loo_changes"]:
        sentence += (
            f"; leaving out {row['loo_changes'].replace(';', ', ')} changes its sign or its "
            f"nominal significance"
        )
    return (
        sentence + f" (largest Cook's distance {row['max_cooks_d']:.2f}, {row['max_cooks_label']})."
    )


# --- loading (acquire by hash through the readers) ------------------------------------------------


def build(
    panel: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, int | str]]:
    """Read the loan workbooks, reconcile 2016/17 and map every code to today's trusts.

    Returns the reconciliation table, the per-trust legacy table (one row per panel trust),
    the code mapping (with codes whose successor is a split listed as unmapped) and the
    numbers the report quotes (reconciliation and coverage).
    """
    from helpers.data.readers import geographr, trust_icb_lookup
    from helpers.data.readers import trust_deficit_loans as loans
    from helpers.panel import trust

    successors = geographr.load("trust_successors")
    balances, lines = load_balances()
    lines_2017_18 = loans.load("lines_2017_18")
    codes = sorted(
        set(balances["trust_code"]) | set(lines["trust_code"]) | set(lines_2017_18["trust_code"])
    )
    final, split = final_successors(successors, codes)
    reconciliation = reconcile_2016_17(
        balances,
        lines,
        loans.load("ncb_2016_17"),
        lines_2017_18,
        loans.load("bbc_trusts"),
        loans.load("bbc_national"),
        final,
    )
    links = trust.merger_links(trust_icb_lookup.load("trusts"), successors)
    mapping = map_to_today(codes, final, links, panel["trust_code"].tolist())
    mapping.loc[mapping["old_code"].isin(split), "how"] = "split between several successors"
    year_ends = year_end_balances(balances, lines)
    last = year_ends.loc[year_ends["financial_year"] == "2018/19"].set_index("trust_code")
    mapping[_column("2018/19")] = mapping["old_code"].map(last["irsl_gbp_m"]).fillna(0.0)
    legacy = legacy_by_trust(year_ends, mapping, panel)
    numbers: dict[str, int | str] = {
        **reconciliation_numbers(reconciliation),
        **mapping_coverage(year_ends, mapping, legacy),
    }
    return reconciliation, legacy, mapping, numbers


def load_balances() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The year-end 'IRSL (TOTAL)' rows and the 2016/17 loan lines (read once per process)."""
    from helpers.data.readers import trust_deficit_loans as loans

    return loans.load("balances"), loans.load("lines_2016_17")


def system_data(
    rolled: pd.DataFrame, by_system: pd.DataFrame, rollups: Sequence[str]
) -> pd.DataFrame:
    """One row per ICB: the system legacy share and each roll-up's value (column = roll-up)."""
    wide = rolled.loc[rolled["rollup"].isin(rollups)].pivot(
        index="icb_code", columns="rollup", values="value_pct"
    )
    wide.columns.name = None
    return by_system.merge(wide.reset_index(), on="icb_code", how="left", validate="one_to_one")


def _key(outcome: str) -> str:
    for word, key in (
        ("planned_position", "plan"),
        ("q3_variance", "q3"),
        ("variance_to_plan", "variance"),
        ("operating_margin", "margin"),
    ):
        if outcome.startswith(word):
            return key
    return outcome


def legacy_numbers(tests: pd.DataFrame) -> dict[str, int | str]:
    """Estimates, intervals, p, q, N and sentences of every legacy test, keyed
    ``legacy_<level>_<outcome>_<share|any>[_<sample>]_*`` (no suffix for the full sample)."""
    numbers: dict[str, int | str] = {}
    for row in tests.to_dict("records"):
        measure = "any" if row["term"] == ANY else "share"
        sample = str(row.get("sample", "all"))
        suffix = "" if sample == "all" else f"_{sample}"
        key = f"legacy_{row['level']}_{_key(row['outcome'])}_{measure}{suffix}"
        numbers[f"{key}_estimate"] = inference.format_number(row["estimate"])
        numbers[f"{key}_ci"] = (
            f"{inference.format_number(row['conf_low'])} to "
            f"{inference.format_number(row['conf_high'])}"
        )
        numbers[f"{key}_p"] = inference.format_p(row["p_value"])
        numbers[f"{key}_q"] = inference.format_p(row["p_adjusted"])
        numbers[f"{key}_n"] = int(row["n_obs"])
        numbers[f"{key}_loo"] = (
            f"{inference.format_number(row['loo_min'])} to "
            f"{inference.format_number(row['loo_max'])}"
        )
        numbers[f"{key}_sentence"] = str(row["sentence"])
    return numbers


def describe_tests(tests: pd.DataFrame, outcome_labels: dict[str, str], alpha: float) -> list[str]:
    """A generated sentence per legacy test (needs ``p_adjusted``)."""
    return [
        describe_persistence(
            row,
            derived_variables.label(row["term"]),
            outcome_labels.get(row["outcome"], row["outcome"]),
            alpha,
        )
        for _, row in tests.iterrows()
    ]


def tests_for_people(tests: pd.DataFrame) -> pd.DataFrame:
    """The legacy tests with labels, rounded, with readable column names."""
    from helpers.analysis.trust_models import any_label

    shown = tests.assign(
        outcome=tests["outcome"].map(any_label), term=tests["term"].map(derived_variables.label)
    )
    columns = {
        "level": "Level",
        "sample": "Sample",
        "outcome": "Outcome",
        "term": "Legacy measure",
        "unit": "Unit",
        "estimate": "Estimate",
        "conf_low": "95% low",
        "conf_high": "95% high",
        "p_value": "p (unadjusted)",
        "p_adjusted": "q (BH, exploratory)",
        "n_obs": "N",
        "loo_min": "Leave-one-out min",
        "loo_max": "Leave-one-out max",
        "max_cooks_d": "Largest Cook's D",
        "max_cooks_label": "Its unit",
    }
    return shown[list(columns)].rename(columns=columns).round(3)
