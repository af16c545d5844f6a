# One rule per notebook stage (notebooks/NN_verb_object.ipynb); see the Snakefile's header.
# Each stage, and publish, is a checkpoint: Snakemake re-evaluates what is downstream once it
# has run, and an input newer than a job's outputs but with the checksum recorded at the job's
# last run is no change (workflow/profiles/default). So a stage whose files came out the same
# bytes reruns nothing after it (notebook 03's power: no profile reruns).
WRITES = {
    "00_inventory_sources": ["source_inventory.csv"],
    "01_build_icb_panel": ["icb_lookup.parquet", "icb_year.parquet", "finance_positions.parquet",
                           "national_facts.parquet", "coverage.parquet",
                           "finance_coverage_by_stage.csv", "finance_basis_audit.csv"],
    "02_describe_deficits": ["numbers_describe.json"],
    "03_model_deficit_drivers": ["model_coefficients.csv", "model_fit.csv",
                                 "model_diagnostics.csv", "model_drivers.csv",
                                 "specification_curve.csv", "model_leave_one_out.csv",
                                 "numbers_models.json"],
    "04_describe_workforce": ["workforce_race_equality_series.csv", "workforce_correlations.csv",
                              "leadership_theme_coverage.csv",
                              "legacy_debt_against_allocation.csv", "system_facts.csv",
                              "numbers_workforce.json"],
    "05_check_claims": ["claims_check.csv", "claim_parts_check.csv", "numbers_claims.json"],
    "06_build_trust_panel": ["trust_panel.parquet", "trust_rollup.parquet", "trust_mapping.csv",
                             "trust_legacy_loans.csv", "trust_legacy_mapping.csv",
                             "legacy_loans_reconciliation.csv", "numbers_trust_panel.json"],
    "07_model_trust_finance": ["trust_model_coefficients.csv", "trust_specification_curve.csv",
                               "trust_validation.csv", "trust_raac_sensitivity.csv",
                               "legacy_loans_tests.csv", "numbers_trust_models.json"],
    "08_profile_system": [],
}
PANEL = ["icb_lookup.parquet", "icb_year.parquet", "finance_positions.parquet"]


checkpoint inventory_sources:
    input: **stage("00_inventory_sources", raw=["all"], files=["data/sources.yaml"])
    output: outputs("00_inventory_sources", *WRITES["00_inventory_sources"])
    log: wf.log("00_inventory_sources")
    params: stage="00_inventory_sources", python=PYTHON
    shell: RUN


checkpoint build_icb_panel:
    input: **stage("01_build_icb_panel", raw=["curated"])
    output: outputs("01_build_icb_panel", *WRITES["01_build_icb_panel"])
    log: wf.log("01_build_icb_panel")
    params: stage="01_build_icb_panel", python=PYTHON
    shell: RUN


checkpoint describe_deficits:
    input: **stage("02_describe_deficits", raw=["curated"], reads=[*PANEL, "national_facts.parquet"])
    output: outputs("02_describe_deficits", *WRITES["02_describe_deficits"])
    log: wf.log("02_describe_deficits")
    params: stage="02_describe_deficits", python=PYTHON
    shell: RUN


checkpoint model_deficit_drivers:
    input:
        **stage("03_model_deficit_drivers", reads=PANEL),
        curve=".build/curves/icb.parquet",
    output: outputs("03_model_deficit_drivers", *WRITES["03_model_deficit_drivers"])
    log: wf.log("03_model_deficit_drivers")
    params: stage="03_model_deficit_drivers", python=PYTHON
    shell: RUN


checkpoint describe_workforce:
    input: **stage("04_describe_workforce", raw=["curated"], reads=PANEL)
    output: outputs("04_describe_workforce", *WRITES["04_describe_workforce"])
    log: wf.log("04_describe_workforce")
    params: stage="04_describe_workforce", python=PYTHON
    shell: RUN


checkpoint check_claims:
    input: **stage("05_check_claims", raw=["curated"], reads=[*PANEL, "national_facts.parquet"])
    output: outputs("05_check_claims", *WRITES["05_check_claims"])
    log: wf.log("05_check_claims")
    params: stage="05_check_claims", python=PYTHON
    shell: RUN


checkpoint build_trust_panel:
    input:
        **stage(
            "06_build_trust_panel",
            raw=["trust_metrics_2025_26", "sickness_absence", "trust_icb_lookup", "geographr",
                 "healthyr", "staff_survey_2024", "trust_deficit_loans"],
            reads=["icb_lookup.parquet", "icb_year.parquet"],
        )
    output: outputs("06_build_trust_panel", *WRITES["06_build_trust_panel"])
    log: wf.log("06_build_trust_panel")
    params: stage="06_build_trust_panel", python=PYTHON
    shell: RUN


checkpoint model_trust_finance:
    input:
        **stage(
            "07_model_trust_finance",
            raw=["curated"],
            reads=["trust_panel.parquet", "trust_rollup.parquet", *PANEL,
                   "trust_legacy_loans.csv", "model_drivers.csv"],
        ),
        curve=".build/curves/trust.parquet",
    output: outputs("07_model_trust_finance", *WRITES["07_model_trust_finance"])
    log: wf.log("07_model_trust_finance")
    params: stage="07_model_trust_finance", python=PYTHON
    shell: RUN


checkpoint profile_system:
    input:
        **stage(
            "08_profile_system", reads=[*PANEL, "model_diagnostics.csv", "system_facts.csv"]
        )
    output: outputs("08_profile_system")
    log: wf.log("08_profile_system")
    params: stage="08_profile_system", python=PYTHON
    shell: RUN


checkpoint publish:
    """Copy the stages' processed files into data/processed/ (only bytes that changed)."""
    input: wf.processed(*[name for written in WRITES.values() for name in written])
    output: [f"data/processed/{name}" for written in WRITES.values() for name in written]
    run:
        wf.publish(input, output)


rule notebooks:
    """Every stage, its processed files published into data/processed/."""
    input: rules.publish.output, [wf.executed(name) for name in WRITES]
