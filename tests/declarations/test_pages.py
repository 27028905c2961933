"""The declaration pages through Django's test client, read as their users read them (R16.2, R17, R20).

The person declares with a file on /declarations/ and sees the computed hours; bad input gets Chinese
messages naming the field with status 400 and changes nothing; the reviewer's queue and the declaration
page show the evidence inline, the person's other hours and the fraud signal; reviewers outside the
scope get 404 on the declaration and its files; level 1 gets 403 on the spot-check pages; level 2 draws,
sees the sample re-derived, and overturns, and the person reads why. (The phone layout is checked in the
browser test, tests/web/test_declaration_flow_browser.py.)
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cehours.declarations.models import Declaration, Evidence, SpotCheck
from cehours.declarations.services import evidence_add

from .support import decide, declare, pdf_bytes, png_bytes, today, year_totals

TODAY = today().isoformat()
FORM = {
    "title": "急诊急救技能培训",
    "organiser": "丽水市中心医院",
    "start_on": TODAY,
    "end_on": TODAY,
    "quantity": "1",
}


def _text(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _training(person) -> str:
    from .support import activity

    return str(activity(person, "training").pk)


@pytest.fixture
def nurse_client(client, cast):
    client.force_login(cast["nurse"].user)
    return client


# The person declares


def test_r16_2_the_declaration_page_lists_the_catalogue_marked_as_defaults(nurse_client):
    response = nurse_client.get("/declarations/")
    page = _text(response)
    assert response.status_code == 200
    assert "线下学时申报" in page
    for name in ("培训研修", "发表论文", "出版著作", "完成科研项目", "获得发明专利", "对口支援或基层挂职锻炼"):
        assert name in page
    assert "平台默认值，待行业主管部门设定" in page
    assert "还没有申报。" in page


def test_r12a_preview_shows_the_hours_and_why_without_saving(nurse_client, cast):
    response = nurse_client.post(
        "/declarations/", {**FORM, "activity_type": _training(cast["nurse"]), "action": "preview"}
    )
    assert response.status_code == 200
    assert "预计登记 6.0 学时：1 天 × 每天 6 学时 = 6 学时；计 6.0 学时" in _text(response)
    assert not Declaration.objects.exists()


def test_r16_2_the_person_declares_with_a_file_sees_the_hours_and_submits(nurse_client, cast):
    proof = pdf_bytes()
    response = nurse_client.post(
        "/declarations/",
        {
            **FORM,
            "activity_type": _training(cast["nurse"]),
            "action": "save",
            "file": SimpleUploadedFile("结业证书.pdf", proof, content_type="application/pdf"),
        },
        follow=True,
    )
    declaration = Declaration.objects.get()
    assert response.redirect_chain == [(f"/declarations/{declaration.pk}/", 302)]
    page = _text(response)
    assert "已保存为草稿。请核对学时与证明材料后提交。" in page
    assert "急诊急救技能培训 草稿" in page
    assert "学时 6.0 1 天 × 每天 6 学时 = 6 学时；计 6.0 学时" in page
    assert f"结业证书.pdf（PDF，{len(proof)} 字节）" in page
    evidence = declaration.evidence.get()
    assert f'href="/evidence/{evidence.pk}/"' in response.content.decode()

    response = nurse_client.post(f"/declarations/{declaration.pk}/act/", {"action": "submit"}, follow=True)
    page = _text(response)
    assert "已提交，等待审核。" in page
    assert "待审核" in page
    assert "学时 6.0 1 天 × 每天 6 学时 = 6 学时；计 6.0 学时" in page, "submission recomputes the same figures"
    assert "：创建草稿" in page and "：提交审核" in page, "the trail speaks Chinese"
    declaration.refresh_from_db()
    assert declaration.status == "submitted"

    listing = _text(nurse_client.get("/declarations/"))
    assert "急诊急救技能培训 培训研修" in listing and "6.0 待审核" in listing


def test_r16_2_bad_input_gets_chinese_messages_naming_each_field_and_status_400(nurse_client, cast):
    response = nurse_client.post(
        "/declarations/",
        {"activity_type": "999999", "title": "", "start_on": "2025-13-01", "end_on": TODAY, "quantity": "很多"},
    )
    assert response.status_code == 400
    page = _text(response)
    assert "学习形式：学习形式不在您所在行业的目录中" in page
    assert "名称：请填写名称" in page
    assert "开始日期：日期格式应为“年-月-日”，如 2025-03-01" in page
    assert "数量（天数、篇数、学分等）：数量应为数字" in page
    assert not Declaration.objects.exists()


def test_r12a_eight_days_claimed_for_a_one_day_training_is_refused_on_the_quantity_field(nurse_client, cast):
    response = nurse_client.post(
        "/declarations/", {**FORM, "quantity": "8", "activity_type": _training(cast["nurse"]), "action": "save"}
    )
    assert response.status_code == 400
    assert "数量（天数、篇数、学分等）：天数（8）不能超过起止日期之间的 1 天" in _text(response)
    assert not Declaration.objects.exists()


def test_r16_2_a_text_file_named_pdf_is_refused_on_the_page_and_nothing_is_saved(nurse_client, cast):
    response = nurse_client.post(
        "/declarations/",
        {
            **FORM,
            "activity_type": _training(cast["nurse"]),
            "action": "save",
            "file": SimpleUploadedFile("结业证书.pdf", b"just text", content_type="application/pdf"),
        },
    )
    assert response.status_code == 400
    assert "证明材料（PDF、JPEG 或 PNG，不超过 10 MB）：证明材料只接受 PDF、JPEG 或 PNG 文件" in _text(response)
    assert not Declaration.objects.exists(), "a refused file must not leave a half-made draft behind"
    assert not Evidence.objects.exists()


def test_r16_2_submitting_without_evidence_says_so_on_the_page(nurse_client, cast):
    draft = declare(cast["nurse"], with_evidence=False, submit=False)
    page = _text(nurse_client.post(f"/declarations/{draft.pk}/act/", {"action": "submit"}, follow=True))
    assert "证明材料：请先上传证明材料（PDF、JPEG 或 PNG）" in page
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_r16_2_another_person_gets_404_on_my_declaration_and_my_files(client, cast):
    mine = declare(cast["nurse"])
    evidence = mine.evidence.get()
    client.force_login(cast["lecturer"].user)
    assert client.get(f"/declarations/{mine.pk}/").status_code == 404
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 404
    assert client.post(f"/declarations/{mine.pk}/act/", {"action": "withdraw"}).status_code == 404
    mine.refresh_from_db()
    assert mine.status == "submitted"


# The reviewer's pages


def test_r17_the_queue_and_the_declaration_show_evidence_inline_and_the_persons_year(client, cast, add_hours):
    nurse = cast["nurse"]
    add_hours(nurse, today().year, general_public="10", professional="20")
    declaration = declare(nurse, title="护理技能培训", with_evidence=False, submit=False)
    photo = png_bytes()
    evidence_add(declaration=declaration, by=nurse.user, name="签到表.png", content=photo)
    evidence_add(declaration=declaration, by=nurse.user, name="结业证书.pdf", content=pdf_bytes())
    from cehours.declarations.services import declaration_submit

    declaration_submit(declaration=declaration, by=nurse.user)
    client.force_login(cast["health_authority"])

    queue = client.get("/review/")
    assert queue.status_code == 200
    row = _text(queue)
    assert "王护士 莲都测试医院 护理技能培训 培训研修 6.0" in row
    assert f'href="/declarations/{declaration.pk}/"' in queue.content.decode()

    detail = client.get(f"/declarations/{declaration.pk}/")
    body, page = detail.content.decode(), _text(detail)
    png, pdf = (
        declaration.evidence.get(content_type="image/png"),
        declaration.evidence.get(content_type="application/pdf"),
    )
    assert f'<img src="/evidence/{png.pk}/" alt="证明材料 签到表.png">' in body
    assert f'href="/evidence/{pdf.pk}/"' in body
    assert nurse.id_number not in body and nurse.id_number_masked in page
    assert f"王护士 {today().year}年已登记：公需 10.0，专业 20.0，合计 30.0 学时（进行中）" in page  # R11: not over
    assert "通过并登记学时" in page and "退回补充材料" in page
    assert "疑似重复使用的证明材料" not in page

    served = client.get(f"/evidence/{png.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == photo


def test_r17_the_same_file_used_by_another_person_is_flagged_to_the_reviewer_not_to_the_person(client, cast):
    shared = pdf_bytes("the-same-certificate")
    nurse_declaration = declare(cast["nurse"], title="护士的培训", evidence=shared)
    declare(cast["lecturer"], title="讲师的培训", evidence=shared)

    client.force_login(cast["county_l1"])  # both people are in 莲都
    page = _text(client.get(f"/declarations/{nurse_declaration.pk}/"))
    assert "疑似重复使用的证明材料：" in page
    assert "也用于 李讲师 的申报“讲师的培训”（待审核）" in page

    client.force_login(cast["nurse"].user)
    assert "疑似重复使用的证明材料" not in _text(client.get(f"/declarations/{nurse_declaration.pk}/"))


def test_r17_reuse_by_someone_outside_the_reviewers_scope_is_flagged_without_naming_them(client, cast):
    shared = pdf_bytes("a-certificate-passed-around")
    nurse_declaration = declare(cast["nurse"], title="护士的培训", evidence=shared)
    declare(cast["teacher"], title="青田老师的培训", evidence=shared)

    client.force_login(cast["health_authority"])  # health series: the nurse, not the 青田 teacher
    page = _text(client.get(f"/declarations/{nurse_declaration.pk}/"))
    assert "疑似重复使用的证明材料：" in page
    assert "陈老师" not in page and "青田老师的培训" not in page
    assert "也用于 您查看范围以外另一人员的申报，请报上级管理权限核查" in page

    client.force_login(cast["city_l3"])  # the city HR bureau sees everyone and is told who
    assert "也用于 陈老师 的申报“青田老师的培训”" in _text(client.get(f"/declarations/{nurse_declaration.pk}/"))


@pytest.mark.parametrize("outsider", ["qingtian_l1", "qingtian_l2", "education_authority", "provider"])
def test_r17_a_reviewer_outside_the_scope_gets_404_on_the_declaration_and_its_files(client, cast, outsider):
    declaration = declare(cast["nurse"])
    evidence = declaration.evidence.get()
    client.force_login(cast[outsider])
    assert client.get(f"/declarations/{declaration.pk}/").status_code == 404
    assert client.get(f"/evidence/{evidence.pk}/").status_code == 404
    response = client.post(f"/declarations/{declaration.pk}/decide/", {"action": "approve", "version": "2"})
    assert response.status_code == 404
    assert client.post(f"/declarations/{declaration.pk}/integrity/", {"finding": "伪造"}).status_code == 404
    assert "护士" not in _text(client.get("/review/"))
    declaration.refresh_from_db()
    assert declaration.status == "submitted"


def test_r17_a_unit_reviewer_of_a_unit_that_is_not_self_evaluating_may_read_but_not_decide(client, cast):
    declaration = declare(cast["nurse"])
    client.force_login(cast["hospital_l1"])
    page = _text(client.get(f"/declarations/{declaration.pk}/"))
    assert "通过并登记学时" not in page
    response = client.post(
        f"/declarations/{declaration.pk}/decide/", {"action": "approve", "version": declaration.version}, follow=True
    )
    assert "该申报不在您的审核范围内" in _text(response)
    declaration.refresh_from_db()
    assert declaration.status == "submitted"


def test_r17_deciding_on_the_page_reports_a_missing_reason_and_a_stale_version(client, cast):
    declaration = declare(cast["nurse"])
    client.force_login(cast["county_l1"])
    url = f"/declarations/{declaration.pk}/decide/"
    page = _text(client.post(url, {"action": "reject", "reason": "", "version": declaration.version}, follow=True))
    assert "理由：不通过或退回时须填写理由，申报人将看到该理由" in page

    decide(declaration, cast["health_authority"], "approve")  # meanwhile, another reviewer
    page = _text(
        client.post(url, {"action": "reject", "reason": "材料不足", "version": declaration.version}, follow=True)
    )
    assert "该申报已被其他审核人员处理或已变更，请刷新后查看最新状态" in page
    declaration.refresh_from_db()
    assert (declaration.status, declaration.decided_by) == ("approved", cast["health_authority"])


def test_r16_2_the_person_reads_the_reviewers_reason(client, cast):
    declaration = decide(declare(cast["nurse"], title="退回的培训"), cast["county_l1"], "return", "请补充签到表原件")
    client.force_login(cast["nurse"].user)
    page = _text(client.get(f"/declarations/{declaration.pk}/"))
    assert "退回补充材料" in page and "审核意见 请补充签到表原件" in page
    assert "重新提交" in page
    # Issue 12: the trail names people and offices, not logins (this reviewer has no display name).
    assert "莲都区 · 审核人员：退回补充材料——请补充签到表原件" in page and "liandu_l1" not in page
    assert "王护士：提交审核" in page
    me = _text(client.get("/me/"))
    assert "您的学时申报“退回的培训”退回补充材料：请补充签到表原件" in me


# Spot checks and the integrity archive on the pages


@pytest.mark.parametrize("who", ["county_l1", "health_authority", "college_l1"])
def test_r17_level_1_gets_403_on_the_spot_check_pages(client, cast, who):
    decide(declare(cast["nurse"]), cast["county_l1"], "approve")
    check = SpotCheck.objects.create(
        drawn_by=cast["county_l2"],
        level=2,
        scope_label="莲都区",
        rate=Decimal("1"),
        minimum_per_reviewer=0,
        seed="s",
        decided_from=today(),
        decided_to=today(),
        candidate_ids=[],
        sample_ids=[],
    )
    client.force_login(cast[who])
    assert client.get("/spot-checks/").status_code == 403
    assert client.post("/spot-checks/", {"percent": "100", "minimum_per_reviewer": "0"}).status_code == 403
    assert client.get(f"/spot-checks/{check.pk}/").status_code == 403
    assert SpotCheck.objects.count() == 1


def test_r17_level_2_draws_on_the_page_sees_it_re_derived_and_overturns_and_the_person_reads_why(client, cast):
    nurse = cast["nurse"]
    approved = decide(declare(nurse, title="可疑的培训"), cast["county_l1"], "approve")
    assert year_totals(nurse).professional == Decimal("6.0")
    client.force_login(cast["county_l2"])
    response = client.post(
        "/spot-checks/",
        {"percent": "100", "minimum_per_reviewer": "1", "decided_from": TODAY, "decided_to": TODAY, "seed": "页面抽查"},
        follow=True,
    )
    check = SpotCheck.objects.get()
    assert response.redirect_chain == [(f"/spot-checks/{check.pk}/", 302)]
    page = _text(response)
    assert "已抽取 1 件（候选 1 件）。" in page
    # Issue 12: the seed is the system's (a posted one is ignored), kept in the details.
    assert "页面抽查" not in page and check.seed in page and "按记录的种子与候选名单重新抽样，结果一致" in page
    assert "比例 / 每人最少 100% / 1 件" in page
    assert "王护士 · 可疑的培训" in page and "原审核：莲都区 · 审核人员，结果“已通过”" in page

    item = check.items.get()
    response = client.post(f"/spot-checks/items/{item.pk}/", {"outcome": "overturned", "reason": ""}, follow=True)
    assert "复审意见：改判须填写理由" in _text(response)
    response = client.post(
        f"/spot-checks/items/{item.pk}/", {"outcome": "overturned", "reason": "签到表为事后补签"}, follow=True
    )
    assert "复审结果已保存。" in _text(response) and "改判" in _text(response)
    assert year_totals(nurse).professional == Decimal("0.0")

    stats = _text(client.get("/spot-checks/"))
    assert "莲都区 · 审核人员 1 1 100% 1 100%" in stats and "liandu_l1" not in stats

    client.force_login(nurse.user)
    me = _text(client.get("/me/"))
    assert "您的学时申报“可疑的培训”经抽查复审改判为未通过：签到表为事后补签" in me
    mine = _text(client.get(f"/declarations/{approved.pk}/"))
    assert "未通过" in mine and "审核意见 抽查复审改判：签到表为事后补签" in mine

    client.force_login(cast["county_l1"])  # the first reviewer reads it above their queue
    assert "您审核的申报“可疑的培训”经抽查复审被改判：签到表为事后补签" in _text(client.get("/review/"))


def test_r17_a_tampered_sample_no_longer_re_derives_and_the_page_says_so(client, cast):
    decide(declare(cast["nurse"]), cast["county_l1"], "approve")
    decide(declare(cast["nurse"]), cast["county_l1"], "approve")
    client.force_login(cast["county_l2"])
    client.post(
        "/spot-checks/", {"percent": "50", "minimum_per_reviewer": "0", "decided_from": TODAY, "decided_to": TODAY}
    )
    check = SpotCheck.objects.get()
    candidates = [d for d, _ in check.candidate_ids]
    SpotCheck.objects.filter(pk=check.pk).update(sample_ids=[d for d in candidates if d not in check.sample_ids])
    assert "重新抽样结果不一致" in _text(client.get(f"/spot-checks/{check.pk}/"))


def test_r20_level_2_records_falsification_on_the_declaration_page_level_1_has_no_such_form(client, cast):
    nurse = cast["nurse"]
    approved = decide(declare(nurse, title="伪造的培训"), cast["county_l1"], "approve")
    client.force_login(cast["county_l1"])
    assert "记入诚信档案" not in _text(client.get(f"/declarations/{approved.pk}/"))
    page = _text(client.post(f"/declarations/{approved.pk}/integrity/", {"finding": "伪造"}, follow=True))
    assert "只有二级或三级管理权限可在其职责范围内记录诚信档案" in page
    assert year_totals(nurse).professional == Decimal("6.0")

    client.force_login(cast["county_l2"])
    assert "记入诚信档案（第二十条）" in _text(client.get(f"/declarations/{approved.pk}/"))
    page = _text(client.post(f"/declarations/{approved.pk}/integrity/", {"finding": ""}, follow=True))
    assert "查实情况：查实情况不能为空" in page
    page = _text(client.post(f"/declarations/{approved.pk}/integrity/", {"finding": "结业证书伪造"}, follow=True))
    assert "已记入诚信档案，相关学时已冲销。" in page
    assert year_totals(nurse).professional == Decimal("0.0")
    archive = _text(client.get("/spot-checks/"))
    assert "王护士" in archive and "结业证书伪造 有效：取消职称申报资格" in archive
    assert "解除" not in archive.split("诚信档案（第二十条）")[1], "level 2 is not offered the lift"


@pytest.mark.parametrize(
    ("percent", "says"),
    [("0", "抽查比例不能低于 0.1%"), ("150", "抽查比例不能超过 100%"), ("十", "抽查比例应为 0.1 到 100 之间的百分数"),
     ("0.25", "抽查比例最多一位小数")],
)  # fmt: skip
def test_r17_the_draw_takes_a_percentage_and_names_it_when_wrong(client, cast, percent, says):
    decide(declare(cast["nurse"]), cast["county_l1"], "approve")
    client.force_login(cast["county_l2"])
    form = {"percent": percent, "minimum_per_reviewer": "0", "decided_from": TODAY, "decided_to": TODAY}
    response = client.post("/spot-checks/", form)
    assert response.status_code == 400 and f"抽查比例（%）：{says}" in _text(response)
    assert not SpotCheck.objects.exists()
    assert 'name="seed"' not in client.get("/spot-checks/").content.decode()


def test_a_withdrawn_declaration_is_copied_into_a_new_draft_with_its_evidence(nurse_client, cast):
    """Issue 12: withdrawing is final; the person starts again from what they had."""
    declaration = declare(cast["nurse"], title="撤回的培训")
    nurse_client.post(f"/declarations/{declaration.pk}/act/", {"action": "withdraw"})
    page = _text(nurse_client.get(f"/declarations/{declaration.pk}/"))
    assert "已撤回" in page and "复制为新草稿" in page

    copied = nurse_client.post(f"/declarations/{declaration.pk}/act/", {"action": "copy"}, follow=True)
    copy = Declaration.objects.exclude(pk=declaration.pk).get()
    assert copied.redirect_chain == [(f"/declarations/{copy.pk}/", 302)]
    assert (copy.status, copy.title, copy.hours) == ("draft", "撤回的培训", declaration.hours)
    assert [e.sha256 for e in copy.evidence.all()] == [e.sha256 for e in declaration.evidence.all()]
    assert f"由已撤回的申报复制——复制自第 {declaration.pk} 号申报“撤回的培训”" in _text(copied)
    declaration.refresh_from_db()  # the original stays as it was
    assert declaration.status == "withdrawn"

    refused = nurse_client.post(f"/declarations/{copy.pk}/act/", {"action": "copy"}, follow=True)
    assert "操作：只有已撤回的申报可以复制为新草稿" in _text(refused)
    assert Declaration.objects.count() == 2
