"""Page views: parse the request, call selectors, render. No rules and no scope checks here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cehours.access.policy import is_staff
from cehours.declarations.selectors import notices_for
from cehours.ledger.rulesets import rules_for_year
from cehours.ledger.selectors import person_compliance, person_eligibility, person_entries
from cehours.people.models import Person
from cehours.people.selectors import people_search, person_visible
from cehours.rules.hours import CATEGORY_LABELS, Category

from .forms import EligibilityForm, EntriesForm, SearchForm, YearRangeForm

FIGURE_LABELS = {
    **{c.value: CATEGORY_LABELS[c] for c in Category},
    "public": "公需科目合计",
    "total": "总学时",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if hasattr(request.user, "person"):
        return redirect("web:my-hours")
    if is_staff(request.user):
        return redirect("web:people")
    return render(request, "web/no_role.html", status=403)


def _own_person(request: HttpRequest) -> Person:
    person = person_visible(request.user, getattr(getattr(request.user, "person", None), "pk", -1))
    if person is None:
        raise Http404("您的账号未关联专业技术人员档案")
    return person


def _scoped_person(request: HttpRequest, pk: int) -> Person:
    person = person_visible(request.user, pk)
    if person is None:
        raise Http404("未找到该人员，或不在您的查询范围内")
    return person


def _compliance_page(request: HttpRequest, person: Person, entries_url: str, own: bool) -> HttpResponse:
    form = YearRangeForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "web/person.html", _person_context(request, person, own, form, []), status=400)
    if form.is_bound:
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        end = timezone.localdate().year
        start = end - 4
    rows = list(reversed(person_compliance(person, start, end)))
    context = _person_context(request, person, own, form, rows)
    context["entries_url"] = entries_url
    context["eligibility_form"] = EligibilityForm()
    if own:
        context["notices"] = notices_for(request.user)
    return render(request, "web/person.html", context)


def _person_context(request, person: Person, own: bool, form, rows) -> dict:
    return {
        "person": person,
        "id_number": person.id_number_for(request.user),
        "own": own,
        "form": form,
        "rows": rows,
        "requirement": rules_for_year(timezone.localdate().year),
        "figure_labels": FIGURE_LABELS,
    }


@login_required
def my_hours(request: HttpRequest) -> HttpResponse:
    person = _own_person(request)
    return _compliance_page(request, person, "web:my-entries", own=True)


@login_required
def my_entries(request: HttpRequest) -> HttpResponse:
    return _entries_page(request, _own_person(request), own=True)


@login_required
def people(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    results = []
    searched = False
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        searched = True
        results = list(people_search(request.user, form.cleaned_data["q"]))
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "web/people.html", {"form": form, "results": results, "searched": searched}, status=status)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _scoped_person(request, pk)
    return _compliance_page(request, person, "web:person-entries", own=False)


@login_required
def person_entries_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _entries_page(request, _scoped_person(request, pk), own=False)


def _entries_page(request: HttpRequest, person: Person, own: bool) -> HttpResponse:
    form = EntriesForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"person": person, "form": form, "entries": [], "own": own}
        return render(request, "web/entries.html", context, status=400)
    year = form.cleaned_data.get("year") if form.is_bound else None
    figure = (form.cleaned_data.get("figure") or None) if form.is_bound else None
    entries = list(person_entries(person, year=year, figure=figure)[:500])
    total = sum((e.hours for e in entries), start=0)
    context = {
        "person": person,
        "form": form,
        "entries": entries,
        "year": year,
        "figure_label": FIGURE_LABELS.get(figure or "total"),
        "total": total,
        "own": own,
        "category_labels": {c.value: CATEGORY_LABELS[c] for c in Category},
    }
    return render(request, "web/entries.html", context)


@login_required
def person_eligibility_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = _scoped_person(request, pk)
    form = EligibilityForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        result = person_eligibility(
            person,
            application_year=form.cleaned_data["application_year"],
            required_years=form.cleaned_data["required_years"],
            since_year=form.cleaned_data.get("since_year"),
            today=timezone.localdate(),
        )
    status = 400 if form.is_bound and not form.is_valid() else 200
    context = {"person": person, "form": form, "result": result, "id_number": person.id_number_for(request.user)}
    return render(request, "web/eligibility.html", context, status=status)
