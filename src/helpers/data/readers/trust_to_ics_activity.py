"""Reader for the Nuffield Trust weights apportioning trusts' type-1 ED activity to ICSs.

Sheet ``Trust_ICS_weights_suppressed``; columns: ``trust_code`` (ODS), ``trust_name``,
``trust_ics_n`` (1 = the trust's main ICS), ``icb_ons_code`` (E54, 2022 codes; source
``ICS_code1``), ``icb_code`` (Q-code; source ``ICS_code2``), ``ics_name``, ``type1_ed_activity``
(attendances, rounded to 10, small counts suppressed) and ``weighting`` (share of the trust's
type-1 ED activity from that ICS; sums to 1 per trust, checked here).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.readers._common import acquired, read_excel_sheet, require_columns
from helpers.errors import DataError

SHEET = "Trust_ICS_weights_suppressed"
RENAME: dict[str, str] = {
    "Trust_code": "trust_code",
    "Trust_name": "trust_name",
    "Trust_ICS_N": "trust_ics_n",
    "ICS_code1": "icb_ons_code",
    "ICS_code2": "icb_code",
    "ICS_name": "ics_name",
    "Type1_ED_activity": "type1_ed_activity",
    "Weighting": "weighting",
}
WEIGHT_TOLERANCE = 1e-6


def read_trust_ics_weights(path: Path) -> pd.DataFrame:
    """Trust x ICS type-1 ED activity weights, one row per trust and ICS, sorted."""
    frame = read_excel_sheet(path, SHEET)
    require_columns(frame, RENAME, path)
    tidy = frame.loc[:, list(RENAME)].rename(columns=RENAME)
    for column in ("trust_code", "trust_name", "icb_ons_code", "icb_code", "ics_name"):
        tidy[column] = tidy[column].astype("string").str.strip()
    tidy["trust_ics_n"] = pd.to_numeric(tidy["trust_ics_n"], errors="raise").astype("int64")
    for column in ("type1_ed_activity", "weighting"):
        tidy[column] = pd.to_numeric(tidy[column], errors="raise").astype("float64")
    if tidy.duplicated(["trust_code", "icb_code"]).any():
        raise DataError(f"{path}: a trust appears twice for one ICS")
    totals = tidy.groupby("trust_code")["weighting"].sum()
    off = totals[(totals - 1.0).abs() > WEIGHT_TOLERANCE]
    if len(off):
        raise DataError(f"{path}: weights do not sum to 1 for trust(s) {off.to_dict()}")
    return tidy.sort_values(["trust_code", "trust_ics_n"]).reset_index(drop=True)


FILE = "trust_to_ics_activity/Trust_to_ICS_mapping.xlsx"


def load() -> pd.DataFrame:
    """Trust x ICS type-1 ED activity weights (:func:`read_trust_ics_weights`), acquired by hash."""
    return read_trust_ics_weights(acquired(FILE))
