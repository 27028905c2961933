"""What each staff member lands on after signing in (issue 12): the things waiting for them, counted,
each a link to the page that does it — never an empty search box or a refused page.

Each count is the page's own selector, so the figure here is the length of the list it opens.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from cehours.access.policy import Action, can, grants_for, highest_level, is_staff, reaches_unplaced
from cehours.access.professionals import accounts_to_confirm
from cehours.declarations.models import AttendeeList, SpotCheckItem
from cehours.declarations.selectors import review_queue
from cehours.ledger.selectors import held_queue
from cehours.people.selectors import unplaced_people


@dataclass(frozen=True)
class Task:
    label: str
    count: int
    url: str
    hint: str


def tasks_for(user) -> list[Task]:
    """The work waiting for this user, in the order it is usually done; only kinds the user may do."""
    tasks: list[Task] = []
    if can(user, Action.DECIDE):
        tasks.append(Task("待审核的学时申报", review_queue(user).count(), reverse("web:review"), "线下申报，第十条"))
    if can(user, Action.DECIDE) or can(user, Action.CHECK_ATTENDEES):
        tasks.append(
            Task(
                "暂缓登记的记录",
                held_queue(user).count(),
                reverse("web:held-records"),
                "对接系统或省平台报送、待人工核实",
            )
        )
    if highest_level(user, Action.SPOT_CHECK) >= 2:
        due = SpotCheckItem.objects.filter(spot_check__drawn_by=user, outcome=SpotCheckItem.PENDING).count()
        tasks.append(Task("待复审的抽查事项", due, reverse("web:spot-checks"), "本人抽取、尚未复审"))
    if can(user, Action.CHECK_ATTENDEES):
        lists = AttendeeList.objects.restrict(user, Action.CHECK_ATTENDEES).filter(status=AttendeeList.SUBMITTED)
        tasks.append(Task("待核对的高研班学员名单", lists.count(), reverse("web:seminars"), "第九条"))
    if can(user, Action.CONFIRM_ACCOUNT):
        waiting = accounts_to_confirm(user).count()
        tasks.append(Task("待确认的实名注册", waiting, reverse("web:roster-accounts"), "确认是本人后方可查看学时"))
    if reaches_unplaced(user):
        tasks.append(
            Task("待确认人员", unplaced_people(user).count(), reverse("web:people-unplaced"), "尚无单位，待单位认领")
        )
    return tasks


def _first_page(user) -> str | None:
    """Where a user with no list of tasks and no people to read starts: the one page that is theirs."""
    for action, name in (
        (Action.VIEW_SEMINAR, "web:seminars"),
        (Action.MANAGE_ACCOUNTS, "web:staff"),
        (Action.MANAGE_GRANTS, "web:staff"),
        (Action.READ_ACCESS_LOG, "web:privacy-reads"),
        (Action.READ_AUDIT, "web:audit"),
    ):
        if grants_for(user, action):  # a staff grant: `can` also answers for a person's own rows
            return name
    return None


def staff_home(request: HttpRequest) -> HttpResponse | None:
    """The landing page for staff, a redirect for those with one page, or None for nobody's."""
    user = request.user
    tasks = tasks_for(user)
    if not tasks and not is_staff(user):
        first = _first_page(user)
        return redirect(first) if first else None
    context = {"tasks": tasks, "waiting": sum(t.count for t in tasks), "reads_people": is_staff(user)}
    return render(request, "web/home.html", context)
