"""What an hours certificate says, and what has changed since: plain data, no I/O.

The figures are the JSON kept with the certificate (models.Certificate.figures) and shown on the
PDF, the verify page and the API alike, so the three can never disagree. Hours are decimal strings
("60.0"), as everywhere in the API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from cehours.rules.compliance import YearCompliance
from cehours.rules.hours import format_hours
from cehours.rules.ruleset import RuleSet

# The year figures a certificate prints, in the order of its table, with their Chinese names.
YEAR_FIGURES = (
    ("general_public", "一般公需"),
    ("industry_public", "行业公需"),
    ("public", "公需合计"),
    ("professional", "专业科目"),
    ("total", "总学时"),
)
PERSON_FACTS = (
    ("name", "姓名"),
    ("id_number_masked", "身份证号码"),
    ("unit", "工作单位"),
    ("county", "所在地"),
    ("series", "职称系列"),
    ("title_level", "现职称"),
)


@dataclass(frozen=True)
class PersonFacts:
    name: str
    id_number_masked: str
    unit: str
    county: str
    series: str
    title_level: str


def certificate_figures(
    person: PersonFacts,
    rows: Sequence[YearCompliance],
    rules: Mapping[int, RuleSet],
    by_source: Mapping[int, Mapping[str, Decimal]],
) -> dict:
    """The certificate's content: the person, and per year (oldest first) the hours by category
    against that year's requirement (R11, each year by its own rules), the verdict, what is missing,
    and the entries' totals by source (source label → hours)."""
    years = []
    for row in sorted(rows, key=lambda r: r.year):
        need = rules[row.year]
        years.append(
            {
                "year": row.year,
                **{name: format_hours(getattr(row.totals, name)) for name, _ in YEAR_FIGURES},
                "need_total": format_hours(need.annual_total),
                "need_professional": format_hours(need.annual_professional),
                "need_public": format_hours(need.annual_public),
                "status": row.status,
                "status_label": row.status_label,
                "shortfalls": [s.message for s in row.shortfalls],
                "by_source": {
                    label: format_hours(hours) for label, hours in sorted(by_source.get(row.year, {}).items()) if hours
                },
            }
        )
    return {
        "person": {name: getattr(person, name) for name, _ in PERSON_FACTS},
        "first_year": min(r.year for r in rows),
        "last_year": max(r.year for r in rows),
        "years": years,
    }


def changes_since(issued: dict, today: dict) -> list[str]:
    """What differs between the figures as issued and the same figures computed today, in words a
    committee reads ("2024年 专业科目：证明所载 60.0 学时，现为 56.0 学时"). Empty: the ledger agrees."""
    changes = []
    now_years = {y["year"]: y for y in today["years"]}
    for then in issued["years"]:
        now = now_years.get(then["year"])
        if now is None:
            continue
        year = then["year"]
        for name, label in YEAR_FIGURES:
            if then[name] != now[name]:
                changes.append(f"{year}年 {label}：证明所载 {then[name]} 学时，现为 {now[name]} 学时")
        if then["status_label"] != now["status_label"]:
            changes.append(f"{year}年 结论：证明所载“{then['status_label']}”，现为“{now['status_label']}”")
    for name, label in PERSON_FACTS:
        if name != "id_number_masked" and issued["person"][name] != today["person"][name]:
            changes.append(f"{label}：证明所载“{issued['person'][name]}”，现为“{today['person'][name]}”")
    return changes
