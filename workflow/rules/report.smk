# The 42 system profiles and the report.
from helpers.report.profiles import INPUT_TABLES as PROFILE_TABLES

PUBLISHED = rules.publish.output
RENDERED = (
    [f"report/{render.QUARTO_OUTPUT}/index.html"] if render.find_quarto()
    else [f"report/{render.FALLBACK_OUTPUT}", f"report/{render.FALLBACK_PDF}"]
)


rule profiles:
    """Notebook 08 once per system (warm kernels, helpers.report.profile_pages): report/systems/."""
    input:
        **stage("08_profile_system"),
        tables=[f"data/processed/{name}" for name in PROFILE_TABLES],
    output: directory("report/systems")
    log: wf.log("profiles")
    params: python=PYTHON
    shell: "exec {params.python} -m helpers.report.profile_pages > {log}"


rule profile:
    """One system's page, e.g. `make profile ICB=QOC`: report/profile/QOC.html."""
    input:
        **stage("08_profile_system"),
        tables=[f"data/processed/{name}" for name in PROFILE_TABLES],
    output: "report/profile/{icb}.html"
    log: wf.log("profile_{icb}")
    params: python=PYTHON
    shell: "exec {params.python} -m helpers.report.profile_pages --icb {wildcards.icb} --pages-dir report/profile > {log}"


rule render:
    """The report: Quarto where installed, else the pandoc + Typst fallback (helpers.report.render)."""
    input:
        notebooks=[wf.executed(name) for name in WRITES],
        tables=PUBLISHED,
        profiles="report/systems",
        article=wf.report_sources(),
        code=wf.code_inputs("helpers.report.render", "helpers.report.article_numbers", "helpers.data.io"),
        params="params.yaml",
    output: RENDERED
    run:
        from helpers.report import profile_pages

        render.render_report()
        profile_pages.publish_beside_report()
