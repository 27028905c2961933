"""Reminding the people behind for the year: in-app, by email where configured, by SMS where a
provider is configured. Each person at most once a day; who was reminded is kept and audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cehours.access.models import ProfessionalAccount
from cehours.audit.services import audit_record
from cehours.batching import chunked
from cehours.declarations.models import Notice
from cehours.ledger.selectors import people_year_compliance
from cehours.people.crypto import decrypt_id_number
from cehours.people.models import Person

from .models import Reminder
from .schedule import reminder_text
from .sms import configured_sender

CHUNK = 2000
SUBJECT = "丽水市专业技术人员继续教育学时制管理平台：学时提醒"


@dataclass
class RemindReport:
    behind: int = 0  # not (yet) qualified for the year
    already: int = 0  # reminded earlier the same day: not again
    sent: int = 0
    in_app: int = 0
    emailed: int = 0
    texted: int = 0
    unreachable: list[str] = field(default_factory=list)  # "姓名（脱敏号码）": no account, no email, no phone


def remind_behind(*, by, people: QuerySet[Person], year: int, today: date, dry_run: bool = False) -> RemindReport:
    """Remind each of `people` not qualified for `year` (R11) as of `today`. `people` is already the
    caller's scope (the whole city for the scheduled run, a unit's roster for its staff)."""
    report = RemindReport()
    compliance = people_year_compliance(people, year, today=today)
    behind = [pk for pk, row in compliance.items() if not row.qualified]
    report.behind = len(behind)
    email_on = bool(settings.CEHOURS_EMAIL_ENABLED)
    sms = configured_sender()
    for ids in chunked(behind, CHUNK):
        earlier = Reminder.objects.filter(person_id__in=ids, year=year, sent_on=today)
        done = set(earlier.values_list("person_id", flat=True))
        report.already += len(done)
        rest = Person.objects.filter(pk__in=[pk for pk in ids if pk not in done])
        todo = list(rest.only("pk", "name", "id_number_masked", "user_id"))
        accounts = {
            a.person_id: a
            for a in ProfessionalAccount.objects.filter(
                person_id__in=[p.pk for p in todo], status=ProfessionalAccount.Status.CONFIRMED
            )
        }
        reminders, notices, mails = [], [], []
        for person in todo:
            text = reminder_text(person.name, compliance[person.pk], today)
            account = accounts.get(person.pk)
            emailed = email_on and account is not None and bool(account.email_encrypted)
            texted = False
            if sms is not None and account is not None and account.mobile_encrypted and not dry_run:
                texted = sms.send(decrypt_id_number(account.mobile_encrypted), text)
            in_app = person.user_id is not None
            if not (in_app or emailed or texted):
                report.unreachable.append(f"{person.name}（{person.id_number_masked}）")
            reminders.append(
                Reminder(
                    person=person, year=year, sent_on=today, sent_at=timezone.now(), sent_by=by,
                    message=text[:500], in_app=in_app, emailed=emailed, texted=texted,
                )
            )  # fmt: skip
            if in_app:
                notices.append(Notice(user_id=person.user_id, message=text[:500], link="/me/"))
            if emailed and account is not None:
                mails.append((SUBJECT, text, None, [decrypt_id_number(account.email_encrypted)]))
            report.in_app += in_app
            report.emailed += emailed
            report.texted += texted
        report.sent += len(reminders)
        if dry_run:
            continue
        with transaction.atomic():
            Reminder.objects.bulk_create(reminders, ignore_conflicts=True)  # a parallel run: once a day still
            Notice.objects.bulk_create(notices)
        if mails:
            send_mass_mail(mails, fail_silently=True)  # a mail server down does not undo the reminders
    if not dry_run and report.sent:
        audit_record(
            actor=by,
            action="reminders.send",
            object_type="reminder",
            object_id=f"{year}-{today.isoformat()}",
            after={"year": year, "people": report.sent, "in_app": report.in_app, "emailed": report.emailed},
        )
    return report
