"""Page views: parse the request, call selectors, render. No rules and no scope checks here."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cehours.access.names import display_name
from cehours.access.policy import Action, can
from cehours.access.professionals import pending_account
from cehours.declarations.selectors import notices_for
from cehours.ledger.rulesets import rules_for_year
from cehours.ledger.selectors import person_compliance, person_eligibility, person_entries
from cehours.people.models import Person
from cehours.people.selectors import (
    id_number_query,
    people_search,
    person_eligibility_basis,
    person_visible,
    system_names,
)
from cehours.privacy.models import ReadAction
from cehours.privacy.services import LookupLimited, record_lookup, record_read, refuse_if_over_limit
from cehours.rules.compliance import year_progress
from cehours.rules.hours import CATEGORY_LABELS, Category
from cehours.rules.titles import EligibilityBasis, EligibilityBasisError, TitleLevel

from . import professionals
from .forms import ID_SHAPE, EligibilityForm, EntriesForm, SearchForm, YearRangeForm
from .landing import staff_home

SEARCH_PAGE_SIZE = 50
ENTRIES_PAGE_SIZE = 100

FIGURE_LABELS = {
    **{c.value: CATEGORY_LABELS[c] for c in Category},
    "public": "公需科目合计",
    "total": "总学时",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if hasattr(request.user, "person"):
        return redirect("web:my-hours")
    account = pending_account(request.user)
    if account is not None:  # registered, not yet confirmed by the unit: nothing of the record yet
        return professionals.pending(request, account)
    landing = staff_home(request)
    if landing is not None:
        return landing
    return render(request, "web/no_role.html", status=403)


def _own_person(request: HttpRequest) -> Person:
    person = person_visible(request.user, getattr(getattr(request.user, "person", None), "pk", -1))
    if person is None and pending_account(request.user) is not None:
        raise Http404("您的实名注册尚待单位确认，确认后即可查看本人学时")
    if person is None:
        raise Http404("您的账号未关联专业技术人员档案")
    return person


def _scoped_person(request: HttpRequest, pk: int, action: ReadAction) -> Person:
    """A person in the user's scope (404 otherwise); the read goes to the access log (cehours.privacy)."""
    person = person_visible(request.user, pk)
    if person is None:
        raise Http404("未找到该人员，或不在您的查询范围内")
    record_read(request, action, person=person)
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
    today = timezone.localdate()
    requirement = rules_for_year(today.year, series=person.series_id)  # the person's own rules (R12d)
    context = {
        "person": person,
        "id_number": person.id_number_for(request.user),
        "own": own,
        "form": form,
        "rows": rows,
        "requirement": requirement,
        "figure_labels": FIGURE_LABELS,
    }
    current = next((row for row in rows if row.year == today.year), None)
    if current is not None:
        # The year in progress: how far each of R11's figures is, what is still needed, the days left.
        context["progress"] = year_progress(current.totals, requirement)
        # Issue 13: each shortfall leads to the platform's courses that fill it (issue 11), in the
        # order year_progress gives: the total, the professional hours, the public hours.
        courses = reverse("web:courses")
        links = (courses, f"{courses}?category=professional", f"{courses}?category=public")
        context["progress_rows"] = list(zip(context["progress"], links, strict=True))
        context["current"] = current
        context["days_left"] = (date(today.year, 12, 31) - today).days
    return context


@login_required
def my_hours(request: HttpRequest) -> HttpResponse:
    if not hasattr(request.user, "person"):
        account = pending_account(request.user)  # asked only when no record is linked: /me/ stays lean
        if account is not None:
            return professionals.pending(request, account)
    person = _own_person(request)
    return _compliance_page(request, person, "web:my-entries", own=True)


@login_required
def my_entries(request: HttpRequest) -> HttpResponse:
    return _entries_page(request, _own_person(request), own=True)


@login_required
def people(request: HttpRequest) -> HttpResponse:
    """Search by name (GET or POST) or by full ID number (the form posts it: never in a URL)."""
    if request.method == "POST":
        form = SearchForm(request.POST)
    elif ID_SHAPE.match(request.GET.get("q", "").strip()):
        # A number in the address is written to access logs, proxies and the browser history on its
        # way here (DESIGN §7): not searched, and not echoed back into the page.
        context = {"form": SearchForm(), "results": [], "searched": False, "id_in_url": True}
        return render(request, "web/people.html", context, status=400)
    else:
        form = SearchForm(request.GET or None)
    page = None
    results: list[Person] = []
    searched = False
    if form.is_bound and form.is_valid() and (form.cleaned_data["q"] or form.cleaned_data["unit"]):
        query = form.cleaned_data["q"]
        by_id_number = id_number_query(query) is not None
        if by_id_number:
            try:
                refuse_if_over_limit(request, ReadAction.SEARCH)
            except LookupLimited as exc:
                context = {"form": SearchForm(), "results": [], "searched": False, "limited": exc.message}
                return render(request, "web/people.html", context, status=429)
        searched = True
        found = people_search(request.user, query, form.cleaned_data["unit"])
        page = Paginator(found, SEARCH_PAGE_SIZE).get_page(form.cleaned_data["page"] or 1)
        results = list(page.object_list)
        if by_id_number:
            record_lookup(request, ReadAction.SEARCH, results[0] if results else None)
        else:
            record_read(request, ReadAction.SEARCH, count=len(results))
    status = 400 if form.is_bound and not form.is_valid() else 200
    paged_query = ""
    if searched and not id_number_query(form.cleaned_data["q"]):
        # Further pages of a name or unit search are links; an ID number is never put in an address.
        paged_query = urlencode({"q": form.cleaned_data["q"], "unit": form.cleaned_data["unit"]})
    context = {
        "form": form,
        "page": page,
        "results": results,
        "searched": searched,
        "paged_query": paged_query,
    }
    return render(request, "web/people.html", context, status=status)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _scoped_person(request, pk, ReadAction.PERSON_PAGE)
    return _compliance_page(request, person, "web:person-entries", own=False)


@login_required
def person_entries_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _entries_page(request, _scoped_person(request, pk, ReadAction.PERSON_ENTRIES_PAGE), own=False)


def _entries_page(request: HttpRequest, person: Person, own: bool) -> HttpResponse:
    form = EntriesForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        context = {"person": person, "form": form, "entries": [], "own": own}
        return render(request, "web/entries.html", context, status=400)
    year = form.cleaned_data.get("year") if form.is_bound else None
    figure = (form.cleaned_data.get("figure") or None) if form.is_bound else None
    listed = person_entries(person, year=year, figure=figure)
    page = Paginator(listed, ENTRIES_PAGE_SIZE).get_page(request.GET.get("page") or 1)
    entries = list(page.object_list)
    _name_registrars(entries)
    # The figure the person page showed: every entry of it, not only this page's.
    if page.paginator.num_pages > 1:
        total = listed.aggregate(total=Sum("hours"))["total"] or 0
    else:
        total = sum((e.hours for e in entries), start=0)
    filters = {k: request.GET[k] for k in ("year", "figure") if request.GET.get(k)}
    context = {
        "person": person,
        "form": form,
        "entries": entries,
        "page": page,
        "query": urlencode(filters),
        "systems": system_names(e.source_system for e in entries),  # a system by its name, not its code
        "year": year,
        "figure_label": FIGURE_LABELS.get(figure or "total"),
        "total": total,
        "own": own,
        "category_labels": {c.value: CATEGORY_LABELS[c] for c in Category},
        # R20: falsified hours of any source go into the integrity archive from here (levels 2 and 3).
        "may_record_integrity": not own and can(request.user, Action.RECORD_INTEGRITY, person),
        "reversed_ids": {e.reverses_id for e in entries if e.reverses_id},
    }
    return render(request, "web/entries.html", context)


def _name_registrars(entries) -> None:
    """Who registered each entry, named once per account: a staff member without a display name is
    named by their office, which reads their grants (one query an account, not one an entry)."""
    names: dict[object, str] = {}
    for e in entries:
        key = e.registered_by_id or e.registered_by_label
        if key not in names:
            names[key] = display_name(e.registered_by, e.registered_by_label)
        e.registrar_name = names[key]


@login_required
def person_eligibility_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = _scoped_person(request, pk, ReadAction.PERSON_ELIGIBILITY_PAGE)
    form = EligibilityForm(request.GET or None)
    result = basis = None
    defaults: EligibilityBasis | EligibilityBasisError | None = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            basis = person_eligibility_basis(
                person,
                application_year=data["application_year"],
                level=TitleLevel(data["level"]) if data["level"] else None,
                required_years=data["required_years"],
                since_year=data["since_year"],
                override_reason=data["override_reason"],
            )
        except EligibilityBasisError as exc:  # R13: a default not found, or an override without its reason
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            result = person_eligibility(
                person,
                application_year=basis.application_year,
                required_years=basis.required_years,
                since_year=basis.since_year,
                today=timezone.localdate(),
            )
    elif not form.is_bound:  # what the verdict would be judged against if nothing is changed
        try:
            defaults = person_eligibility_basis(person, application_year=timezone.localdate().year)
        except EligibilityBasisError as exc:
            defaults = exc
    status = 400 if form.is_bound and not form.is_valid() else 200
    context = {
        "person": person,
        "form": form,
        "result": result,
        "basis": basis,
        "defaults": defaults,
        "id_number": person.id_number_for(request.user),
    }
    return render(request, "web/eligibility.html", context, status=status)


CSRF_MESSAGE = "页面已过期或请求来源无法验证，请刷新页面后重试。"


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's own page is English; this says it in Chinese, as JSON to the
    player's requests (under /learning/) and as the site's 403 page elsewhere. /api/ answers get
    the API's shape from ApiErrorShapeMiddleware."""
    if request.path.startswith("/learning/"):
        return JsonResponse({"error": {"field": "", "message": CSRF_MESSAGE, "code": "forbidden"}}, status=403)
    return render(request, "403.html", {"exception": CSRF_MESSAGE}, status=403)
