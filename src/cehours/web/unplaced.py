"""The people no unit has (待确认人员, /people/unplaced/) and their claiming by a unit (/people/claim/).

A person first seen in a connected system's record without a known unit has no unit and no county
(people/placement.py); city-wide staff and the industry authority of their series find them here, and
the unit they work for claims them by full ID number and name (people/services.py: person_claim).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cehours.access.policy import Action, claim_units, reaches_unplaced
from cehours.errors import FieldError
from cehours.people.selectors import system_names, unplaced_people
from cehours.people.services import ClaimMissed, person_claim
from cehours.privacy.models import ReadAction
from cehours.privacy.services import LookupLimited, record_lookup, record_read, refuse_if_over_limit

from .permissions import allowed

PAGE_SIZE = 100


@allowed(Action.VIEW_PERSON)
def unplaced(request: HttpRequest) -> HttpResponse:
    if not reaches_unplaced(request.user):
        raise PermissionDenied(
            "待确认人员名单供人力社保部门、行业主管部门等不限于单位的管理人员查看；单位经办人请使用“认领人员”"
        )
    page = Paginator(unplaced_people(request.user), PAGE_SIZE).get_page(request.GET.get("page") or 1)
    people = list(page.object_list)
    names = system_names(p.first_system for p in people)
    rows = [(p, names.get(p.first_system or "", "")) for p in people]
    return render(request, "web/unplaced.html", {"page": page, "rows": rows})


class ClaimForm(forms.Form):
    id_number = forms.CharField(
        label="身份证号码",
        max_length=18,
        error_messages={"required": "请填写身份证号码", "max_length": "身份证号码应为18位"},
    )
    name = forms.CharField(
        label="姓名", max_length=64, error_messages={"required": "请填写姓名", "max_length": "姓名不超过64个字符"}
    )
    unit = forms.TypedChoiceField(
        label="认领到单位", coerce=int, required=False, error_messages={"invalid_choice": "请选择您经办的单位"}
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {u.pk: u for u in units}
        field = self.fields["unit"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(u.pk, u.name) for u in units]
        field.required = len(units) > 1
        field.error_messages["required"] = "请选择认领到哪个单位"


@allowed(Action.CLAIM_PERSON)
def claim(request: HttpRequest) -> HttpResponse:
    units = claim_units(request.user)
    form = ClaimForm(request.POST if request.method == "POST" else None, units=units)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                # A claim looks a person up by full ID number: failed claims count as misses.
                refuse_if_over_limit(request, ReadAction.SEARCH)
            except LookupLimited as exc:
                form.add_error(None, exc.message)
                return render(request, "web/claim.html", {"form": form, "units": units}, status=429)
            data = form.cleaned_data
            try:
                person = person_claim(
                    by=request.user,
                    id_number=data["id_number"],
                    name=data["name"],
                    unit=form.units.get(data["unit"]) if data.get("unit") else None,
                )
            except ClaimMissed as exc:
                record_lookup(request, ReadAction.SEARCH, None)
                form.add_error(exc.field, exc.message)
            except FieldError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                record_read(request, ReadAction.SEARCH, person=person)
                unit = person.unit
                messages.success(
                    request,
                    f"已将{person.name}（{person.id_number_masked}）认领为{unit.name if unit else '本单位'}人员。",
                )
                return redirect("web:people-claim")
    return render(request, "web/claim.html", {"form": form, "units": units}, status=status)
