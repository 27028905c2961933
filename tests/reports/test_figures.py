"""The certificate's figures and what changed since (reports/figures.py), for any hours (R11, R18)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cehours.reports.figures import YEAR_FIGURES, PersonFacts, certificate_figures, changes_since
from cehours.rules.compliance import YearTotals, year_compliance
from cehours.rules.ruleset import RuleSet

PERSON = PersonFacts("测试", "331102********0485", "莲都测试医院", "莲都区", "卫生", "中级")
hours = st.decimals(min_value=Decimal("0"), max_value=Decimal("300"), places=1)
totals = st.builds(YearTotals, general_public=hours, industry_public=hours, professional=hours)


def _figures(by_year: dict[int, YearTotals]) -> dict:
    rules = {year: RuleSet() for year in by_year}
    rows = [year_compliance(year, t, rules[year], current_year=2030) for year, t in by_year.items()]
    return certificate_figures(PERSON, rows, rules, {})


@given(st.dictionaries(st.integers(2015, 2025), totals, min_size=1, max_size=6))
def test_r11_r18_figures_are_each_years_totals_and_verdict(by_year):
    figures = _figures(by_year)
    assert [y["year"] for y in figures["years"]] == sorted(by_year)
    for year in figures["years"]:
        t = by_year[year["year"]]
        assert Decimal(year["total"]) == t.total and Decimal(year["public"]) == t.public
        qualified = t.total >= 90 and t.professional >= 60 and t.public >= 18
        assert year["status_label"] == ("合格" if qualified else "不合格")
    assert changes_since(figures, figures) == []


@given(totals, st.sampled_from(["general_public", "industry_public", "professional"]), hours)
def test_r18_one_changed_category_is_reported_with_both_figures(before, category, extra):
    after = before.plus(category, extra + Decimal("0.1"))
    issued, today = _figures({2024: before}), _figures({2024: after})
    changes = changes_since(issued, today)
    label = dict(YEAR_FIGURES)[category]
    assert any(c.startswith(f"2024年 {label}：证明所载 {issued['years'][0][category]} 学时") for c in changes)
    assert any(c.startswith("2024年 总学时：") for c in changes)
    became_qualified = issued["years"][0]["status_label"] != today["years"][0]["status_label"]
    assert any("结论" in c for c in changes) == became_qualified
