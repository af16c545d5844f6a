"""One fault in claim_parts.csv is reported once, naming its line and field (issue 22.5).

Before, an unknown ``kind`` was reported again as four missing fields a tested kind needs, and a
tolerance that is not a number again as "given with comparator 'equal'".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from helpers.analysis import claims
from helpers.data import curated
from helpers.errors import DataError

BASE = pd.read_csv(curated.CLAIM_PARTS_FILE, dtype=str, keep_default_na=False)
Row = Callable[[pd.Series], bool]


def first(row: Row) -> int:
    return int(BASE.index[BASE.apply(row, axis=1)][0])


FAULTS: list[tuple[str, Row, str, str]] = [
    ("policy row, unknown kind", lambda r: r["kind"] == "policy", "kind", "zzz"),
    ("tested row, unknown kind", lambda r: r["kind"] == "amount", "kind", "zzz"),
    ("tested row, empty kind", lambda r: r["kind"] == "count", "kind", ""),
    ("tolerance not a number", lambda r: r["comparator"] == "equal", "tolerance", "zzz"),
    ("claimed value not a number", lambda r: r["kind"] == "amount", "claimed_value", "abc"),
    ("window not whole", lambda r: r["kind"] == "amount", "window_months_before", "1.5"),
    ("unknown fact", lambda r: r["evidence_facts"] != "", "evidence_facts", "no_such_fact"),
    ("unknown derivation", lambda r: r["derivation"] != "", "derivation", "no_such"),
    ("bad arguments", lambda r: r["derivation"] != "", "arguments", "x"),
]


@pytest.mark.parametrize(("label", "row", "column", "value"), FAULTS, ids=[f[0] for f in FAULTS])
def test_one_fault_one_message(
    tmp_path: Path, label: str, row: Row, column: str, value: str
) -> None:
    index = first(row)
    frame = BASE.copy()
    frame.loc[index, column] = value
    path = tmp_path / "claim_parts.csv"
    frame.to_csv(path, index=False, lineterminator="\n")
    facts = curated.all_facts(
        curated.load_national_facts(), curated.load_legacy_debt(), curated.load_leadership_facts()
    )
    with pytest.raises(DataError) as caught:
        parts = curated.load_claim_parts(path, set(curated.load_claims()["claim_id"]))
        claims.check_references(parts, facts, path)
    problems = str(caught.value).splitlines()[1:]
    assert len(problems) == 1, problems
    line = index + 2  # the header is line 1
    assert str(path) in problems[0] and f"'{column}'" in problems[0]
    assert f"line {line}" in problems[0] or f"line(s) [{line}]" in problems[0]
