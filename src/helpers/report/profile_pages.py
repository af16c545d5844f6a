"""Write the 42 system profile pages, their CSV files and a sortable index, in one process.

Each page is :func:`helpers.report.profiles.profile_sections` of one system (the same
functions notebook 08 shows for the system in ``params.yaml``) poured into
``templates/profile.html``; the processed tables are read once. Pages are plain text made from
the tables, so a re-run writes the same bytes. Snakemake (``workflow/rules/report.smk``)
decides when they are stale: ``python -m helpers.report.profile_pages [--icb QOC ...]``.
"""

from __future__ import annotations

import argparse
import html
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from string import Template

import pandas as pd

from helpers.config import load_params, notebook_parameters
from helpers.data.io import atomic_write, table_csv
from helpers.errors import ConfigError
from helpers.panel.finance import readable
from helpers.panel.pressure import financial_years
from helpers.paths import PARAMS_FILE, REPORT_DIR, ROOT
from helpers.report import profiles
from helpers.report.release import citation_metadata

PAGES_DIR: Path = REPORT_DIR / "systems"
TEMPLATE = Template((Path(__file__).parent / "templates" / "profile.html").read_text("utf-8"))
GROUPS = ("funding", "population", "pressure")
SORT_SCRIPT = """<script>
document.querySelectorAll("th[data-sort]").forEach(function (th, column) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], up = th.dataset.dir !== "up";
    th.dataset.dir = up ? "up" : "down";
    Array.from(body.rows).sort(function (a, b) {
      var x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
      if (x === "" || y === "") { return (x === "") - (y === ""); }
      var d = isNaN(x) ? x.localeCompare(y) : x - y; return up ? d : -d;
    }).forEach(function (row) { body.appendChild(row); });
  });
});
document.getElementById("search").addEventListener("input", function () {
  var words = this.value.toLowerCase().trim();
  document.querySelectorAll("#systems tbody tr").forEach(function (row) {
    row.style.display = row.textContent.toLowerCase().includes(words) ? "" : "none";
  });
});
</script>"""


def settings(params: dict) -> tuple[list[str], dict[str, list[str]]]:
    """The years and the measure groups of notebook 08's ``params.yaml`` section."""
    own = notebook_parameters("08_profile_system", params)
    years = financial_years(own["first_year"], own["last_year"])
    return years, {group: list(own[f"{group}_measures"]) for group in GROUPS}


def citation(name: str, code: str) -> str:
    """The suggested citation of one profile, from CITATION.cff."""
    meta = citation_metadata(ROOT)
    authors = "; ".join(
        str(author.get("name", author.get("family-names"))) for author in meta["authors"]
    )
    released = str(meta.get("date-released", ""))
    return (
        f"{authors} ({released[:4] or 'n.d.'}). {name} ({code}): integrated care system "
        f"profile. In: {meta['title']}. Version {meta.get('version', 'unreleased')}. "
        f"{meta.get('repository-code', '')}".strip()
    )


def page(profile: profiles.Profile) -> str:
    """One system's page: the sections, the CSV download and the suggested citation."""
    system = profile.system
    footer = (
        f'<p><a class="csv-download" href="{system["icb_code"]}.csv" download>Download this '
        "profile's numbers (CSV)</a></p>\n"
        f'<p class="citation">Suggested citation: '
        f"{html.escape(citation(system['name'], system['icb_code']))}</p>"
    )
    body = "\n".join([*profiles.profile_sections(profile), footer])
    title = f"{system['name']}: integrated care system profile"
    return TEMPLATE.substitute(title=html.escape(title), body=body, script="")


def key(value: object) -> str:
    """A cell's sort key: rounded numbers, escaped text, '' when missing."""
    if pd.isna(value):  # type: ignore[call-overload]
        return ""
    return str(round(value, 4)) if isinstance(value, float) else html.escape(str(value))


def index_page(index: pd.DataFrame, years: Sequence[str]) -> str:
    """The index: every system, sortable by each like-with-like position column."""
    cells = sorted((column for column in index.columns if column[:4].isdigit()), reverse=True)
    heads = ["System", *(f"{c[:7]} {readable(c[8:])}, % of core allocation" for c in cells)]
    heads += ["Trusts' operating margin 2024/25, % of income", "Years with a figure before support"]
    rows = []
    for row in index.sort_values(cells[0], kind="stable").to_dict("records"):
        link = f'<a href="{row["icb_code"]}.html">{html.escape(row["name"])}</a> {row["icb_code"]}'
        values = [(row["name"], link)]
        values += [(row[c], profiles.fmt(row[c], "%")) for c in cells]
        values.append((row["trust_margin_pct"], profiles.fmt(row["trust_margin_pct"], "%")))
        values.append((row["years_with_figure"], f"{row['years_with_figure']} of {len(years)}"))
        values.append((row["region"], html.escape(row["region"])))
        rows.append(
            "<tr>" + "".join(f'<td data-value="{key(v)}">{t}</td>' for v, t in values) + "</tr>"
        )
    heads.append("Region")
    body = (
        f"<h1>System profiles: the {len(index)} integrated care systems</h1>\n"
        f"<p>Financial positions {profiles.BASIS_WORDS[profiles.HEADLINE_BASIS]} (deficit "
        "negative), each column one financial year and stage, so every column compares like "
        f"with like; the {len(cells)} year-stage pairs with the most systems are shown. Sorted "
        "by the first (latest) column, largest deficit first; click a heading to sort by it.</p>\n"
        '<input id="search" type="search" placeholder="Search by name, code or region" '
        'aria-label="Search systems">\n<div class="table-scroll">\n'
        '<table id="systems" class="people"><thead><tr>'
        + "".join(f'<th scope="col" data-sort>{html.escape(h)}</th>' for h in heads)
        + "</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>\n</div>"
    )
    return TEMPLATE.substitute(title="System profiles", body=body, script=SORT_SCRIPT)


def write(path: Path, text: str) -> None:
    """Write ``text`` atomically (:func:`helpers.data.io.atomic_write`: a temporary file, then a
    rename)."""
    atomic_write(
        path, lambda temporary: temporary.write_text(text, encoding="utf-8"), redirect=False
    )


def build_profiles(codes: Sequence[str] | None = None, pages_dir: Path = PAGES_DIR) -> list[str]:
    """Write the pages (and CSVs) of ``codes`` (default: all, then the index); return the codes."""
    years, groups = settings(load_params(PARAMS_FILE))
    inputs = profiles.load_inputs()
    selected = [profiles.check_icb_code(code, inputs.lookup) for code in codes or []]
    selected = selected or sorted(inputs.lookup["icb_code"])
    ranked = profiles.rank_all(inputs, years, groups)
    pages_dir.mkdir(parents=True, exist_ok=True)
    for code in selected:
        profile = profiles.build_profile(inputs, code, years, groups, ranked)
        write(pages_dir / f"{code}.html", page(profile))
        write(pages_dir / f"{code}.csv", table_csv(profiles.profile_csv_frame(profile)))
    if not codes:
        index = profiles.system_index(inputs, years)
        profiles.check_system_index(index, len(inputs.lookup))
        write(pages_dir / "index.html", index_page(index, years))
    return selected


def publish_beside_report() -> list[Path]:
    """Copy the pages beside the fallback report (``report/_output/systems``), so the report's
    link ``systems/index.html`` works (Quarto copies them itself as a manuscript resource)."""
    from helpers.report.render import FALLBACK_OUTPUT

    output = REPORT_DIR / FALLBACK_OUTPUT.parent
    if not output.is_dir() or not PAGES_DIR.is_dir():
        return []
    shutil.rmtree(output / "systems", ignore_errors=True)
    return [Path(shutil.copytree(PAGES_DIR, output / "systems"))]


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.report.profile_pages [--icb QOC ...] [--pages-dir DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--icb", nargs="*", help="ICB codes to build (default: all)")
    parser.add_argument("--pages-dir", type=Path, default=PAGES_DIR, help="where pages go")
    arguments = parser.parse_args(argv)
    try:
        built = build_profiles(arguments.icb, arguments.pages_dir)
    except ConfigError as error:
        print(f"rule {'profile' if arguments.icb else 'profiles'}: {error}", file=sys.stderr)
        return 1
    print(f"[profiles] {len(built)} pages written to {arguments.pages_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
