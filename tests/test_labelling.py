"""Labels from the variable registries; an unknown variable is an error saying where to add it."""

from __future__ import annotations

import pytest

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
