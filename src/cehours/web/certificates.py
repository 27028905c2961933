"""Hours certificates on the pages (第十八条): a person's own from /me/certificate/, staff's for
anyone they may read, and /verify/ for whoever holds the paper, with no sign-in."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cehours.access.policy import Action, can
from cehours.errors import FieldError
from cehours.people.models import Person
from cehours.privacy.models import ReadAction
from cehours.privacy.services import LookupLimited, record_lookup, record_read, refuse_if_over_limit
from cehours.reports.codes import grouped, normalised
from cehours.reports.figures import PERSON_FACTS, YEAR_FIGURES
from cehours.reports.models import Certificate
from cehours.reports.pdf import FontMissing
from cehours.reports.selectors import certificate_by_code, verification
from cehours.reports.services import issue_certificate, withdraw_certificate
from cehours.reports.signing import SigningUnavailable

from .forms import refused, year_field
from .views import _own_person, _scoped_person

ISSUED_PAGE_SIZE = 20
VERIFY_LIMITED = "核验码输入错误次数过多，请一小时后再试"


class CertificateForm(forms.Form):
    start = year_field("起始年度", required=True)
    end = year_field("截止年度", required=True)


def verify_base(request: HttpRequest) -> str:
    """The address printed under the QR code: the configured public one, else this request's."""
    return settings.CEHOURS_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")


def pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quoted(filename)}"
    return response


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


def _certificate_page(request: HttpRequest, person: Person, own: bool) -> HttpResponse:
    this_year = timezone.localdate().year
    initial = {"start": this_year - 5, "end": this_year - 1}
    form = CertificateForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                issued = issue_certificate(
                    request.user,
                    person,
                    form.cleaned_data["start"],
                    form.cleaned_data["end"],
                    verify_base=verify_base(request),
                )
            except FieldError as exc:
                form.add_error({"from": "start", "to": "end"}.get(exc.field) or None, exc.message)
            except (FontMissing, SigningUnavailable) as exc:
                form.add_error(None, str(exc))
                status = 503
            else:
                record_read(request, ReadAction.CERTIFICATE, person=person)
                return pdf_response(issued.pdf, issued.filename)
        if status == 200:
            status = 400
    issued_list = Certificate.objects.filter(person=person).order_by("-issued_at", "-pk")
    page = Paginator(issued_list, ISSUED_PAGE_SIZE).get_page(request.GET.get("page") or 1)
    context = {
        "person": person,
        "own": own,
        "form": form,
        "page": page,
        "certificates": [(c, grouped(c.code)) for c in page.object_list],
    }
    return render(request, "web/certificate.html", context, status=status)


@login_required
def my_certificate(request: HttpRequest) -> HttpResponse:
    return _certificate_page(request, _own_person(request), own=True)


@login_required
def person_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    return _certificate_page(request, _scoped_person(request, pk, ReadAction.PERSON_PAGE), own=False)


def verify_form(request: HttpRequest) -> HttpResponse:
    """Type the code printed on the paper (for those who cannot scan the QR code)."""
    typed = request.GET.get("code", "")
    if typed:
        code = normalised(typed)
        if code is not None:
            return redirect("web:verify", code=code)
        context = {"typed": typed, "error": "验证码应为 16 位字母和数字"}
        return render(request, "web/verify_form.html", context, status=400)
    return render(request, "web/verify_form.html", {"typed": ""})


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """The certificate's figures as issued, whether the ledger still agrees, whether it stands.

    No sign-in: a committee member scans the paper. Every look-up counts against the caller's
    allowance of misses (the same throttle as ID numbers), so codes cannot be tried in a loop."""
    try:
        refuse_if_over_limit(request, ReadAction.CERTIFICATE_VERIFY)
    except LookupLimited:
        return render(request, "web/verify_form.html", {"typed": "", "error": VERIFY_LIMITED}, status=429)
    certificate = certificate_by_code(code)
    record_lookup(request, ReadAction.CERTIFICATE_VERIFY, certificate.person if certificate else None)
    if certificate is None:
        missed = {"typed": code, "error": "未找到该验证码对应的学时证明，请核对后重新输入"}
        return render(request, "web/verify_form.html", missed, status=404)
    checked = verification(certificate, today=timezone.localdate())
    figures = certificate.figures
    context: dict[str, object] = {
        "certificate": certificate,
        "code": grouped(certificate.code),
        "checked": checked,
        "person_facts": [(label, figures["person"][name]) for name, label in PERSON_FACTS],
        "year_figures": YEAR_FIGURES,
        "years": figures["years"],
        "may_withdraw": request.user.is_authenticated
        and certificate.withdrawn_at is None
        and can(request.user, Action.WITHDRAW_CERTIFICATE, certificate.person),
    }
    return render(request, "web/verify.html", context)


@login_required
@require_POST
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    certificate = certificate_by_code(code)
    if certificate is None or not can(request.user, Action.VIEW_PERSON, certificate.person):
        raise Http404("未找到该学时证明，或不在您的范围内")
    try:
        withdraw_certificate(request.user, certificate, request.POST.get("reason", ""))
    except FieldError as exc:  # PolicyDenied is one too
        refused(request, exc, {"reason": "撤销理由"})
    else:
        messages.success(request, "已撤销该学时证明，核验页面将显示撤销情况")
    return redirect(reverse("web:verify", kwargs={"code": certificate.code}))
