"""Apportion trust-level counts (beds, attendances, ...) to ICBs with published weights.

Rule (stated once, used everywhere):

1. **Weights.** A weight table has one row per ``trust_code`` x ``icb_code`` (Q-code) with
   ``weight`` = the share of the trust's activity attributed to that ICB; weights sum to 1 per
   trust. Two published sources: the Nuffield Trust type-1 ED activity shares
   (:func:`ed_activity_weights`) and geographr's admitted-patient shares for acute trusts
   (:func:`patient_share_weights`). :func:`combine_weights` uses the primary source for every
   trust it covers and the fallback source only for trusts the primary lacks.
2. **Mergers.** Trust codes in both the weights and the measures are replaced by their final
   successor (geographr ``lookup_trust_trust``, old -> new, followed through chains; an old code
   with several successors takes the one with the latest effective date). When several codes
   collapse onto one successor, the successor's weights are the unweighted mean of the
   constituents' share distributions (so they still sum to 1), and the measures of the
   constituents are summed within each period.
3. **Apportionment.** For a count ``x`` of trust ``t`` in a period, ICB ``i`` receives
   ``weight[t, i] * x[t]``; ICB totals are sums over trusts. Ratios (e.g. occupancy) are formed
   afterwards from apportioned numerator and denominator, never by averaging trust ratios.
4. **Trusts without weights** are not dropped silently: they are logged (with the number of
   rows and the size of their counts) and returned in :attr:`Apportioned.unweighted`; their
   counts are left out of the ICB totals.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from helpers.data.readers._common import require_columns
from helpers.errors import DataError
from helpers.panel.joins import checked_merge

LOGGER = logging.getLogger(__name__)

WEIGHT_COLUMNS: tuple[str, ...] = ("trust_code", "icb_code", "weight")
WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Apportioned:
    """Result of :func:`apportion_to_icb`.

    ``by_icb``: one row per ICB x period with the apportioned counts.
    ``unweighted``: trust x period rows whose trust had no weights (their counts are excluded).
    """

    by_icb: pd.DataFrame
    unweighted: pd.DataFrame


def patient_share_weights(shares: pd.DataFrame, icb_lookup: pd.DataFrame) -> pd.DataFrame:
    """OHID admitted-patient shares as a weight table keyed by ICB Q-code.

    ``shares``: :func:`helpers.data.readers.geographr.read_trust_patient_shares` (``trust_code``,
    ``icb_ons_code``, ``weight``). ``icb_lookup`` needs ``icb_code`` (Q) and ``icb_ons_code``
    (E54, 2022 codes). Returns ``trust_code``, ``icb_code``, ``weight`` (share of the trust's
    admitted patients living in the ICB).
    """
    require_columns(shares, ("trust_code", "icb_ons_code", "weight"), "trust patient shares")
    require_columns(icb_lookup, ("icb_code", "icb_ons_code"), "icb_lookup")
    codes = icb_lookup.loc[:, ["icb_ons_code", "icb_code"]].drop_duplicates()
    merged = checked_merge(
        shares, codes, on=["icb_ons_code"], how="left", label="patient-share weights -> ICB code"
    )
    return _finish_weights(merged, "trust patient shares (geographr)")


def ed_activity_weights(trust_ics: pd.DataFrame) -> pd.DataFrame:
    """Weight table from
    :func:`helpers.data.readers.trust_to_ics_activity.read_trust_ics_weights`."""
    require_columns(trust_ics, ("trust_code", "icb_code", "weighting"), "trust_to_ics_activity")
    frame = trust_ics.rename(columns={"weighting": "weight"})
    return _finish_weights(frame, "trust_to_ics_activity")


def _finish_weights(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """Drop rows without an ICB (counted), check sums, return the standard weight columns."""
    missing = frame["icb_code"].isna()
    if missing.any():
        LOGGER.warning(
            "%s: %d weight row(s) (total weight %.4f) have no ICB code and are dropped",
            label,
            int(missing.sum()),
            float(frame.loc[missing, "weight"].sum()),
        )
    weights = frame.loc[~missing, list(WEIGHT_COLUMNS)].copy()
    weights["weight"] = weights["weight"].astype("float64")
    weights = weights.groupby(["trust_code", "icb_code"], as_index=False)["weight"].sum()
    check_weights(weights, label)
    return weights.sort_values(["trust_code", "icb_code"]).reset_index(drop=True)


def check_weights(weights: pd.DataFrame, label: str, tolerance: float = 1e-3) -> None:
    """Raise DataError unless weights are non-negative and sum to 1 (within tolerance) per trust."""
    require_columns(weights, WEIGHT_COLUMNS, label)
    if (weights["weight"] < 0).any() or weights["weight"].isna().any():
        raise DataError(f"{label}: negative or missing weights")
    totals = weights.groupby("trust_code")["weight"].sum()
    off = totals[(totals - 1.0).abs() > tolerance]
    if len(off):
        raise DataError(
            f"{label}: weights do not sum to 1 for {len(off)} trust(s): {off.head(10).to_dict()}"
        )


def combine_weights(primary: pd.DataFrame, fallback: pd.DataFrame) -> pd.DataFrame:
    """Primary weights for every trust they cover, fallback weights for the other trusts.

    Adds ``weight_source`` ('primary' or 'fallback').
    """
    check_weights(primary, "primary weights")
    check_weights(fallback, "fallback weights")
    extra = fallback.loc[~fallback["trust_code"].isin(primary["trust_code"])]
    combined = pd.concat(
        [primary.assign(weight_source="primary"), extra.assign(weight_source="fallback")],
        ignore_index=True,
    )
    LOGGER.info(
        "combined weights: %d trust(s) from primary, %d from fallback",
        primary["trust_code"].nunique(),
        extra["trust_code"].nunique(),
    )
    return combined.sort_values(["trust_code", "icb_code"]).reset_index(drop=True)


def main_icb(weights: pd.DataFrame) -> pd.DataFrame:
    """Each trust's main ICB: the ICB with the largest weight (ties broken by ICB code).

    Returns ``trust_code``, ``icb_code``, ``weight``, one row per trust, sorted.
    """
    check_weights(weights, "weights")
    ordered = weights.sort_values(
        ["trust_code", "weight", "icb_code"], ascending=[True, False, True]
    )
    main = ordered.drop_duplicates("trust_code").loc[:, list(WEIGHT_COLUMNS)]
    return main.reset_index(drop=True)


def successor_map(successors: pd.DataFrame, codes: Sequence[str]) -> dict[str, str]:
    """Final successor of each code in ``codes`` that has one (chains followed, cycles refused).

    ``successors`` has ``old_code``, ``new_code``, ``date``; where an old code has several
    successors the latest-dated one wins (a tie of different codes at that date is an error).
    Self-mappings are ignored.
    """
    require_columns(successors, ("old_code", "new_code", "date"), "trust successors")
    links = successors.loc[successors["old_code"] != successors["new_code"]]
    latest = links.loc[links.groupby("old_code")["date"].transform("max") == links["date"]]
    latest = latest.drop_duplicates(["old_code", "new_code"])
    tied = latest["old_code"].duplicated(keep=False)
    kept = latest.loc[~tied]
    # .tolist(): whole columns at once (iterating an Arrow-backed column is per element)
    step = dict(zip(kept["old_code"].tolist(), kept["new_code"].tolist(), strict=True))
    tied_codes = set(latest.loc[tied, "old_code"].tolist())
    result: dict[str, str] = {}
    for code in sorted(set(codes)):
        if code in tied_codes:
            raise DataError(f"trust successors: code {code} has several successors on one date")
        seen = [code]
        while seen[-1] in step:
            nxt = step[seen[-1]]
            if nxt in seen:
                raise DataError(f"trust successors: cycle {[*seen, nxt]}")
            seen.append(nxt)
        if len(seen) > 1:
            result[code] = seen[-1]
    return result


def harmonise_weights(weights: pd.DataFrame, successors: pd.DataFrame | None) -> pd.DataFrame:
    """Re-key weights to successor trusts; merged trusts get the mean of constituents' shares."""
    check_weights(weights, "weights")
    if successors is None:
        return weights.copy()
    mapping = successor_map(successors, weights["trust_code"].dropna().unique().tolist())
    if not mapping:
        return weights.copy()
    LOGGER.info("weights: %d trust code(s) replaced by successors: %s", len(mapping), mapping)
    frame = weights.copy()
    frame["constituent"] = frame["trust_code"]
    frame["trust_code"] = frame["trust_code"].map(lambda code: mapping.get(code, code))
    n_constituents = frame.groupby("trust_code")["constituent"].transform("nunique")
    frame["weight"] = frame["weight"] / n_constituents
    keys = ["trust_code", "icb_code"]
    extra = [c for c in frame.columns if c not in (*keys, "weight", "constituent")]
    combined = frame.groupby(keys, as_index=False).agg(
        weight=("weight", "sum"), **{c: (c, "first") for c in extra}
    )
    check_weights(combined, "harmonised weights")
    return combined.sort_values(keys).reset_index(drop=True)


def harmonise_trust_codes(
    measures: pd.DataFrame,
    successors: pd.DataFrame | None,
    value_columns: Sequence[str],
    *,
    trust_column: str = "trust_code",
    by: Sequence[str] = ("date",),
) -> pd.DataFrame:
    """Relabel predecessor trusts with their successor and sum counts within trust x period."""
    if successors is None:
        return measures.copy()
    mapping = successor_map(successors, measures[trust_column].dropna().unique().tolist())
    if not mapping:
        return measures.copy()
    LOGGER.info("measures: %d trust code(s) replaced by successors: %s", len(mapping), mapping)
    frame = measures.copy()
    frame[trust_column] = frame[trust_column].map(lambda code: mapping.get(code, code))
    keys = [trust_column, *by]
    return frame.groupby(keys, as_index=False)[list(value_columns)].sum(min_count=1)


def apportion_to_icb(
    measures: pd.DataFrame,
    weights: pd.DataFrame,
    value_columns: Sequence[str],
    *,
    trust_column: str = "trust_code",
    by: Sequence[str] = ("date",),
    successors: pd.DataFrame | None = None,
) -> Apportioned:
    """Apportion trust counts to ICBs (rule in the module docstring).

    ``measures``: one row per trust x period (``by``) with count columns ``value_columns``.
    ``weights``: ``trust_code``, ``icb_code``, ``weight``. ``successors``: optional
    ``old_code``/``new_code``/``date`` table applied to both. Missing counts contribute nothing
    (sums skip them) and are counted in the log. Returns ICB x period sums and the unweighted
    trust rows.
    """
    require_columns(measures, (trust_column, *by, *value_columns), "measures")
    values = list(value_columns)
    n_missing = int(measures[values].isna().sum().sum())
    if n_missing:
        LOGGER.warning("apportion: %d missing count value(s) contribute nothing", n_missing)
    frame = harmonise_trust_codes(
        measures, successors, values, trust_column=trust_column, by=by
    ).rename(columns={trust_column: "trust_code"})
    weights = harmonise_weights(weights, successors)
    unweighted = frame.loc[~frame["trust_code"].isin(weights["trust_code"])]
    if len(unweighted):
        LOGGER.warning(
            "apportion: %d trust(s) without weights, %d row(s) excluded (sums: %s): %s",
            unweighted["trust_code"].nunique(),
            len(unweighted),
            unweighted[values].sum().round(1).to_dict(),
            sorted(unweighted["trust_code"].unique()),
        )
    weighted = frame.loc[frame["trust_code"].isin(weights["trust_code"])]
    joined = checked_merge(
        weighted,
        weights.loc[:, list(WEIGHT_COLUMNS)],
        on=["trust_code"],
        how="inner",
        validate="many_to_many",
        label="apportion: trusts -> ICB weights",
    )
    for column in values:
        joined[column] = joined[column] * joined["weight"]
    keys = ["icb_code", *by]
    by_icb = joined.groupby(keys, as_index=False)[values].sum(min_count=1)
    trusts = joined.groupby(keys)["trust_code"].nunique().rename("n_trusts").reset_index()
    by_icb = by_icb.merge(trusts, on=keys, how="left", validate="one_to_one")
    return Apportioned(
        by_icb=by_icb.sort_values(keys).reset_index(drop=True),
        unweighted=unweighted.sort_values(["trust_code", *by]).reset_index(drop=True),
    )
