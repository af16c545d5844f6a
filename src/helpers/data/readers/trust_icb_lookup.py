"""Reader for the trust and ICB lists of Davewest84/nhs-trust-icb-data (2026 configuration).

``trust_urls.csv`` -> :func:`read_trust_list`: ``ods_code``, ``name``, ``type``, ``region``,
``ics_name`` (short ICS name as of 2026), ``predecessor_codes`` (';'-separated), ``merger_date``.
``icb_urls.csv`` -> :func:`read_icb_list`: ``ods_code``, ``name``, ``region``,
``predecessor_codes``, ``merger_date``; 36 ICBs after the April 2026 mergers, so use
:func:`icb_predecessors` to reach the 42 ICBs of 2022-2026. Free-text fields contain line
breaks, which pandas' CSV parser handles.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.data.readers._common import acquired, choose, read_csv_file, require_columns
from helpers.errors import DataError


def _read(path: Path, columns: dict[str, str]) -> pd.DataFrame:
    """Read, check, select, strip and rename; ODS codes must be present and unique."""
    frame = read_csv_file(path, dtype="string")
    require_columns(frame, columns, path)
    tidy = frame.loc[:, list(columns)].rename(columns=columns)
    tidy = tidy.apply(lambda column: column.str.strip())
    if tidy["ods_code"].isna().any() or tidy["ods_code"].duplicated().any():
        raise DataError(f"{path}: 'ods_code' missing or repeated")
    tidy["merger_date"] = pd.to_datetime(tidy["merger_date"], format="%Y-%m-%d", errors="raise")
    return tidy.sort_values("ods_code").reset_index(drop=True)


def read_trust_list(path: Path) -> pd.DataFrame:
    """The 202 English NHS trusts with their 2026 ICS name and merger history."""
    columns = {
        "ods_code": "ods_code",
        "name": "name",
        "type": "type",
        "region": "region",
        "ics": "ics_name",
        "predecessor_codes": "predecessor_codes",
        "merger_date": "merger_date",
    }
    return _read(path, columns)


def read_icb_list(path: Path) -> pd.DataFrame:
    """The 36 ICBs after the April 2026 mergers, with their predecessor ICB codes."""
    columns = {
        "ods_code": "ods_code",
        "name": "name",
        "region": "region",
        "predecessor_codes": "predecessor_codes",
        "merger_date": "merger_date",
    }
    return _read(path, columns)


def icb_predecessors(icbs: pd.DataFrame) -> pd.DataFrame:
    """Long table ``icb_code`` (pre-2026 Q-code) -> ``icb_2026_code``; unmerged ICBs: themselves.

    A pre-2026 ICB split between two 2026 ICBs (e.g. Suffolk and North East Essex) appears once
    per successor.
    """
    rows = icbs.loc[:, ["ods_code", "predecessor_codes"]].copy()
    rows["icb_code"] = rows["predecessor_codes"].fillna(rows["ods_code"]).str.split(";")
    long = rows.explode("icb_code")
    long["icb_code"] = long["icb_code"].str.strip()
    long = long.rename(columns={"ods_code": "icb_2026_code"})[["icb_code", "icb_2026_code"]]
    return long.sort_values(["icb_code", "icb_2026_code"]).reset_index(drop=True)


FILES: dict[str, str] = {
    "trusts": "trust_icb_lookup/trust_urls.csv",
    "icbs": "trust_icb_lookup/icb_urls.csv",
}


def load(table: str) -> pd.DataFrame:
    """The trust list ('trusts', :func:`read_trust_list`) or the 2026 ICB list ('icbs',
    :func:`read_icb_list`), acquired by hash. Not used by the pipeline yet: kept for trust-level
    analysis and the 2026 ICB mergers."""
    readers = {"trusts": read_trust_list, "icbs": read_icb_list}
    return readers[choose("trust_icb_lookup", table, readers)](acquired(FILES[table]))
