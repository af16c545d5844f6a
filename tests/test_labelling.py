"""Labels from the variable registries; an unknown variable is an error saying where to add it."""

from __future__ import annotations

import pytest

from helpers.errors import ConfigError, DataError
from helpers.report import labelling


def test_labels_come_from_the_registries() -> None:
    from helpers.panel import trust_registry, variables

    assert labelling.label_of("imd_score") == variables.label("imd_score")
    assert labelling.label_of("imd_score", trust_first=True) == trust_registry.label("imd_score")
    assert labelling.label_of("teaching") == trust_registry.label("teaching")
    assert labelling.label_of("C(region_name)[T.London]") == "NHS England region: London"
    assert labelling.label_of("financial_year") == "Financial year"
    assert labelling.labels_of(["need_index"]) == {"need_index": variables.label("need_index")}


def test_an_unknown_variable_has_no_label_and_the_error_says_where_to_add_one() -> None:
    with pytest.raises(
        labelling.LabelError, match=r"no label for 'not_a_variable'.*variables\.csv"
    ):
        labelling.label_of("not_a_variable")
    with pytest.raises(labelling.LabelError, match="not_a_variable"):
        labelling.label_of("C(not_a_variable)[T.x]")


def test_plain_words_come_from_the_row_label_of_reads() -> None:
    assert labelling.plain_words("bed_occupancy_pct") == "bed occupancy"
    assert labelling.plain_words("imd_score", "short", trust_first=True) == "Deprivation"
    assert labelling.plain_words("q3_variance_pct") == "trusts' position against plan at Q3 2025/26"
    assert labelling.plain_words("legacy_loan_pct_allocation", "short") == (
        "Legacy loans, % of allocation"
    )
    assert labelling.label_of("operating_margin_2024_25") == (
        "system trust-sector operating margin 2024/25"
    )


def test_plain_words_errors_name_the_registries_or_the_file_and_line() -> None:
    with pytest.raises(labelling.LabelError, match=r"'not_a_variable'.*derived_variables\.csv"):
        labelling.plain_words("not_a_variable")
    with pytest.raises(DataError, match=r"derived_variables\.csv: line \d+ \(variance_to_plan"):
        labelling.plain_words("variance_to_plan_2025_26")
    with pytest.raises(ConfigError, match="choose from"):
        labelling.plain_words("imd_score", "long")
