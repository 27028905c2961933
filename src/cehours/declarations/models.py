"""Offline declarations with evidence, their review, spot checks, the integrity archive, 高研班 projects."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cehours.access.querysets import RestrictedQuerySet
from cehours.ledger.models import CATEGORY_CHOICES, LedgerEntry
from cehours.people.models import Person, Series
from cehours.rules.catalogue import Formula
from cehours.rules.review import STATE_LABELS, State
from cehours.rules.ruleset import SeminarLevel


class ActivityType(models.Model):
    """A line of an industry's activity catalogue (R8): how a kind of learning turns into hours.

    Rows without a series are the platform's defaults; an industry authority's own row with the same
    code replaces the default for its industry.
    """

    series = models.ForeignKey(Series, models.PROTECT, null=True, blank=True, verbose_name="行业（系列）")
    code = models.SlugField("代码", max_length=64)
    name = models.CharField("学习形式", max_length=64)
    category = models.CharField("科目类别", max_length=20, choices=CATEGORY_CHOICES)
    formula = models.CharField(
        "计算方式",
        max_length=16,
        choices=[(Formula.PER_DAY, "按天"), (Formula.PER_ITEM, "按项"), (Formula.FIXED, "固定学时")],
    )
    hours_per_unit = models.DecimalField("每天/每项学时", max_digits=6, decimal_places=1)
    unit_label = models.CharField("数量单位", max_length=16, default="项")
    per_item_cap = models.DecimalField("单项上限", max_digits=6, decimal_places=1, null=True, blank=True)
    per_year_cap = models.DecimalField("年度上限", max_digits=6, decimal_places=1, null=True, blank=True)
    evidence_hint = models.CharField("所需证明材料", max_length=255)
    is_default = models.BooleanField("平台默认值（待行业主管部门设定）", default=False)
    active = models.BooleanField("启用", default=True)
    # Lines are versioned: a change makes a new line and closes this one, so that a declaration
    # made under this line is still decided under it (its figures, its caps).
    superseded_at = models.DateTimeField("被新版本替代的时间", null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="supersedes", verbose_name="替代它的新版本"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "学习形式目录"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "code"], condition=Q(superseded_at__isnull=True), name="activity_type_once_per_series"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(series__isnull=True, superseded_at__isnull=True),
                name="activity_type_default_once",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Declaration(models.Model):
    """A person's claim of offline learning (R16.2), registered only after a reviewer approves it."""

    person = models.ForeignKey(Person, models.PROTECT, related_name="declarations", verbose_name="申报人")
    activity_type = models.ForeignKey(ActivityType, models.PROTECT, verbose_name="学习形式")
    category = models.CharField("科目类别", max_length=20, choices=CATEGORY_CHOICES)
    title = models.CharField("名称", max_length=255)
    organiser = models.CharField("举办单位", max_length=128, blank=True)
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期")
    quantity = models.DecimalField("数量", max_digits=7, decimal_places=1)
    hours = models.DecimalField("折算学时", max_digits=7, decimal_places=1)
    explanation = models.CharField("折算说明", max_length=500)
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField(
        "状态", max_length=16, choices=[(s.value, STATE_LABELS[s]) for s in State], default=State.DRAFT
    )
    version = models.PositiveIntegerField("版本", default=0)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="审核人"
    )
    decided_level = models.PositiveSmallIntegerField("审核人权限级别", null=True, blank=True)
    decision_reason = models.TextField("审核意见", blank=True)
    entry = models.OneToOneField(
        LedgerEntry, models.PROTECT, null=True, blank=True, related_name="declaration", verbose_name="登记的学时记录"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "线下学时申报"
        indexes = [models.Index(fields=["status", "decided_at"]), models.Index(fields=["person", "year"])]
        constraints = [
            models.CheckConstraint(name="declaration_dates", condition=Q(end_on__gte=models.F("start_on"))),
            models.CheckConstraint(name="declaration_hours", condition=Q(hours__gte=0, quantity__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.title}"

    @property
    def status_label(self) -> str:
        return STATE_LABELS[State(self.status)]


class Evidence(models.Model):
    """A proof file (PDF, JPEG or PNG, by content); its SHA-256 exposes reuse by another person."""

    declaration = models.ForeignKey(Declaration, models.CASCADE, related_name="evidence")
    file = models.FileField("文件", upload_to="evidence/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("类型", max_length=32)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "证明材料"


EVENT_LABELS = {
    "created": "创建草稿",
    "copied": "由已撤回的申报复制",
    "submit": "提交审核",
    "resubmit": "补充材料后重新提交",
    "withdraw": "撤回申报",
    "approve": "审核通过",
    "reject": "审核不通过",
    "return": "退回补充材料",
    "overturned": "抽查复审改判",
}


class DeclarationEvent(models.Model):
    """The review trail of one declaration, shown to the person and the reviewers."""

    declaration = models.ForeignKey(Declaration, models.CASCADE, related_name="events")
    action = models.CharField("操作", max_length=32)
    from_state = models.CharField("原状态", max_length=16, blank=True)
    to_state = models.CharField("新状态", max_length=16, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    actor_label = models.CharField("操作人", max_length=150)
    reason = models.TextField("说明", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    @property
    def action_label(self) -> str:
        """The step in the interface's language; the stored code stays English."""
        return EVENT_LABELS.get(self.action, self.action)


class SpotCheck(models.Model):
    """One reproducible draw of decisions or records to re-review (R17): source, seed, rate and
    candidates are kept, so anyone can re-derive the sample."""

    class Source(models.TextChoices):
        """What a draw samples: every path into the ledger can be spot-checked (DESIGN §5)."""

        DECLARATIONS = "declarations", "申报审核决定"
        CONNECTED_SYSTEM = "connected_system", "对接系统登记的记录"
        PROVINCIAL_IMPORT = "provincial_import", "省平台导入的记录"
        SEMINAR = "seminar", "高研班学员登记"
        HELD_DECISION = "held_decision", "暂缓登记记录的审核决定"

    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="抽查人")
    level = models.PositiveSmallIntegerField("抽查人权限级别")
    scope_label = models.CharField("抽查范围", max_length=255)
    source = models.CharField("抽查对象", max_length=24, choices=Source.choices, default=Source.DECLARATIONS)
    # One connected system per draw (its code, as the ledger's source_system); empty for other sources.
    system_code = models.CharField("对接系统代码", max_length=64, blank=True)
    rate = models.DecimalField("抽查比例", max_digits=4, decimal_places=3)
    minimum_per_reviewer = models.PositiveSmallIntegerField("每名审核人员（每个系统）最少抽查数")
    seed = models.CharField("随机种子", max_length=64)
    decided_from = models.DateField("审核（登记）日期自")
    decided_to = models.DateField("审核（登记）日期至")
    candidate_ids = models.JSONField("候选（[编号, 审核人或系统]）")
    sample_ids = models.JSONField("抽中编号")
    drawn_at = models.DateTimeField("抽查时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "抽查复审批次"
        constraints = [
            models.CheckConstraint(
                name="spot_check_system_for_system_draws",
                condition=(
                    (Q(source="connected_system") & ~Q(system_code=""))
                    | (~Q(source="connected_system") & Q(system_code=""))
                ),
            ),
        ]


class SpotCheckItem(models.Model):
    """One sampled decision or record: a declaration's decision, a registered ledger entry (a
    connected system's, a provincial import's, a 高研班 registration) or a decision on a held record."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "待复审"
        UPHELD = "upheld", "维持"
        OVERTURNED = "overturned", "改判"

    PENDING, UPHELD, OVERTURNED = Outcome.PENDING, Outcome.UPHELD, Outcome.OVERTURNED

    spot_check = models.ForeignKey(SpotCheck, models.CASCADE, related_name="items")
    declaration = models.ForeignKey(
        Declaration, models.PROTECT, null=True, blank=True, related_name="spot_checks", verbose_name="申报"
    )
    entry = models.ForeignKey(
        LedgerEntry, models.PROTECT, null=True, blank=True, related_name="spot_checks", verbose_name="学时记录"
    )
    held = models.ForeignKey(
        "ledger.HeldRecord", models.PROTECT, null=True, blank=True, related_name="spot_checks",
        verbose_name="暂缓登记的记录",
    )  # fmt: skip
    original_status = models.CharField("原审核结果", max_length=16)
    # Who made the sampled decision; none for a record a system registered by itself.
    original_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="原审核人"
    )
    outcome = models.CharField(
        "复审结果",
        max_length=16,
        default=Outcome.PENDING,
        choices=Outcome.choices,
    )
    reason = models.TextField("复审意见", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["spot_check", "declaration"], name="spot_check_item_once"),
            models.UniqueConstraint(fields=["spot_check", "entry"], name="spot_check_item_entry_once"),
            models.UniqueConstraint(fields=["spot_check", "held"], name="spot_check_item_held_once"),
            models.CheckConstraint(
                name="spot_check_item_one_subject",
                condition=(
                    Q(declaration__isnull=False, entry__isnull=True, held__isnull=True)
                    | Q(declaration__isnull=True, entry__isnull=False, held__isnull=True)
                    | Q(declaration__isnull=True, entry__isnull=True, held__isnull=False)
                ),
            ),
        ]

    @property
    def subject(self):
        """What was sampled: the declaration, the ledger entry or the held record."""
        return self.declaration or self.entry or self.held


class IntegrityEntry(models.Model):
    """R20 第二十条: falsified hours found; blocks title applications until lifted by level 3."""

    person = models.ForeignKey(Person, models.PROTECT, related_name="integrity_entries", verbose_name="人员")
    declaration = models.ForeignKey(
        Declaration, models.PROTECT, null=True, blank=True, related_name="integrity_entries", verbose_name="涉及申报"
    )
    # Falsified hours found in a registered entry of any source (a connected system's, an import's ...).
    entry = models.ForeignKey(
        LedgerEntry,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="integrity_entries",
        verbose_name="涉及学时记录",
    )
    finding = models.TextField("查实情况")
    evidence_note = models.TextField("证据说明", blank=True)
    recorded_on = models.DateField("记录日期")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记录人")
    lifted_on = models.DateField("解除日期", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="解除人"
    )
    lift_reason = models.TextField("解除理由", blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "诚信档案记录"


class Notice(models.Model):
    """A message to a user: a decision on their declaration, an overturn of their decision."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notices")
    message = models.CharField("内容", max_length=500)
    link = models.CharField("链接", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


class SeminarProject(models.Model):
    """A 高研班 project filed by a provider each year with HR and the industry authority (R9, R12c)."""

    class Status(models.TextChoices):
        FILED = "filed", "已备案待审批"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "不予批准"

    FILED, APPROVED, REJECTED = Status.FILED, Status.APPROVED, Status.REJECTED

    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="申报机构账号"
    )
    name = models.CharField("项目名称", max_length=255)
    organiser = models.CharField("举办单位", max_length=128)
    level = models.CharField(
        "级别",
        max_length=16,
        choices=[
            (SeminarLevel.NATIONAL, "国家级"),
            (SeminarLevel.PROVINCIAL, "省级"),
            (SeminarLevel.MUNICIPAL, "市级"),
        ],
    )
    series = models.ForeignKey(Series, models.PROTECT, verbose_name="行业（系列）")
    year = models.PositiveSmallIntegerField("年度")
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期")
    status = models.CharField(
        "状态",
        max_length=16,
        default=Status.FILED,
        choices=Status.choices,
    )
    hr_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    hr_approved_at = models.DateTimeField(null=True, blank=True)
    industry_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    industry_approved_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    # National and provincial projects are approved elsewhere (第九条); city HR records the document.
    approval_document = models.CharField("批准文号", max_length=128, blank=True)
    filed_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "高研班项目"
        constraints = [models.CheckConstraint(name="seminar_dates", condition=Q(end_on__gte=models.F("start_on")))]

    def __str__(self) -> str:
        return self.name


class AttendeeList(models.Model):
    """An attendee list a provider submitted for a 高研班 project, waiting for the approving authority.

    The provider learns nothing about who is registered on the platform: the list is matched
    against the people only when the approving authority checks it. ID numbers are kept encrypted.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已提交，待审核"
        REGISTERED = "registered", "已审核登记"

    SUBMITTED, REGISTERED = Status.SUBMITTED, Status.REGISTERED

    project = models.ForeignKey(SeminarProject, models.PROTECT, related_name="attendee_lists")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)
    rows = models.JSONField("名单（[行号, 加密身份证号码, 姓名]）")
    status = models.CharField("状态", max_length=16, default=Status.SUBMITTED, choices=Status.choices)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    checked_at = models.DateTimeField("审核时间", null=True, blank=True)
    report = models.JSONField("审核结果", default=list, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "高研班学员名单"
