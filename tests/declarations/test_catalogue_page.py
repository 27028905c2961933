"""R8: each industry authority sets its own activity catalogue; its lines replace the platform defaults."""

from datetime import date
from decimal import Decimal

from cehours.audit.models import AuditEvent
from cehours.declarations.catalogue import catalogue_for
from cehours.declarations.models import ActivityType
from cehours.declarations.services import declaration_preview
from tests.conftest import PASSWORD

PAPER = {
    "series": "health",
    "code": "paper",
    "name": "发表论文（卫生系列）",
    "category": "professional",
    "formula": "per_item",
    "hours_per_unit": "15",
    "unit_label": "篇",
    "per_item_cap": "",
    "per_year_cap": "45",
    "evidence_hint": "期刊封面、目录、论文首页",
    "active": "on",
}


def test_r8_industry_authority_override_replaces_the_default_for_its_industry_only(client, make_person, make_staff):
    nurse = make_person(unit="hospital")  # health series
    teacher = make_person(unit="school")  # education series
    authority = make_staff("industry_authority", series="health")
    client.login(username=authority.username, password=PASSWORD)

    response = client.post("/catalogue/", PAPER)

    assert response.status_code == 302
    nurse_paper = next(a for a in catalogue_for(nurse) if a.code == "paper")
    teacher_paper = next(a for a in catalogue_for(teacher) if a.code == "paper")
    assert (nurse_paper.name, nurse_paper.hours_per_unit) == ("发表论文（卫生系列）", Decimal("15.0"))
    assert teacher_paper.is_default and teacher_paper.hours_per_unit == Decimal("20.0")
    claim = declaration_preview(
        person=nurse, activity=nurse_paper, quantity=4, start_on=date(2025, 3, 1), end_on=date(2025, 3, 1)
    )
    assert claim.hours == Decimal("45.0")  # 4 × 15 = 60, capped at the industry's 45 a year
    assert AuditEvent.objects.filter(action="catalogue.saved", actor=authority).exists()


def test_r8_authority_cannot_set_another_industrys_catalogue(client, make_staff):
    authority = make_staff("industry_authority", series="health")
    client.login(username=authority.username, password=PASSWORD)

    response = client.post("/catalogue/", {**PAPER, "series": "education"})

    assert response.status_code == 400
    assert "行业（系列）：只能设置本行业的目录" in response.content.decode()
    assert not ActivityType.objects.filter(series__code="education").exists()


def test_r8_bad_catalogue_input_names_the_field_and_changes_nothing(client, make_staff):
    authority = make_staff("industry_authority", series="health")
    client.login(username=authority.username, password=PASSWORD)
    before = ActivityType.objects.count()

    response = client.post("/catalogue/", {**PAPER, "hours_per_unit": "0"})

    assert response.status_code == 400
    assert "每天/每项学时应大于 0" in response.content.decode()
    assert ActivityType.objects.count() == before


def test_r8_only_industry_authorities_edit_catalogues(client, make_staff):
    reviewer = make_staff("reviewer", level=3)
    client.login(username=reviewer.username, password=PASSWORD)

    assert client.get("/catalogue/").status_code == 403
    assert client.post("/catalogue/", PAPER).status_code == 403


def test_r8_a_line_is_changed_from_its_own_link_without_retyping_its_code(client, make_staff):
    """Issue 12: 修改 beside a line opens the form filled from it; changing one figure saves a new
    version of that line. Another industry's line cannot be opened that way."""
    authority = make_staff("industry_authority", series="health")
    client.login(username=authority.username, password=PASSWORD)
    client.post("/catalogue/", PAPER)
    own = ActivityType.objects.get(series__code="health", code="paper", superseded_at__isnull=True)

    page = client.get("/catalogue/").content.decode()
    assert f'href="?edit={own.pk}#line-form">修改</a>' in page
    form = client.get(f"/catalogue/?edit={own.pk}").content.decode()
    assert "修改“发表论文（卫生系列）”" in form
    assert 'name="code" value="paper"' in form and "readonly" in form
    assert 'value="期刊封面、目录、论文首页"' in form

    response = client.post("/catalogue/", {**PAPER, "hours_per_unit": "12"})
    assert response.status_code == 302
    current = ActivityType.objects.get(series__code="health", code="paper", superseded_at__isnull=True)
    assert current.hours_per_unit == Decimal("12.0") and current.pk != own.pk

    default = ActivityType.objects.filter(series__isnull=True, superseded_at__isnull=True).order_by("code").first()
    assert default is not None
    filled = client.get(f"/catalogue/?edit={default.pk}").content.decode()
    assert f"按默认值“{default.name}”设定本行业条目" in filled and f'value="{default.code}"' in filled

    other = make_staff("industry_authority", series="education")
    client.logout()
    client.login(username=other.username, password=PASSWORD)
    foreign = client.get(f"/catalogue/?edit={current.pk}").content.decode()
    assert "发表论文（卫生系列）" not in foreign.split('id="line-form"')[1]
    assert client.get("/catalogue/?edit=abc").status_code == 200
