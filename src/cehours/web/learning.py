"""Pages of online learning: the course catalogue, a course, its player and its paper, 我的课程,
the heartbeat endpoints the player calls, and the video itself in byte ranges."""

from __future__ import annotations

import json
import math
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cehours.errors import ErrorCode
from cehours.learning.models import Course, CoursewareItem, Enrollment
from cehours.learning.selectors import PUBLIC, catalogue, enrollment_of, item_states, my_enrollments
from cehours.learning.services import (
    LearningError,
    attempt_paper,
    attempt_start,
    attempt_submit,
    check_answer,
    course_hours,
    course_refusal,
    course_seconds,
    enroll,
    heartbeat,
    playback_start,
)
from cehours.ledger.rulesets import rules_on
from cehours.people.models import Person, Series
from cehours.rules.hours import CATEGORY_LABELS, Category
from cehours.rules.watching import Beat

PAGE_SIZE = 20
_CHUNK = 256 * 1024


def _person(request: HttpRequest) -> Person | None:
    if not request.user.is_authenticated:
        return None
    return Person.objects.filter(user_id=request.user.pk).select_related("series").first()


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} 分 {seconds % 60:02d} 秒"


@login_required
def courses(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    query = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "")
    if category not in {c.value for c in Category} | {PUBLIC}:
        category = ""
    this_year = timezone.localdate().year
    years = list(range(this_year - 2, this_year + 2))
    year = int(request.GET["year"]) if request.GET.get("year", "") in {str(y) for y in years} else this_year
    series_list = list(Series.objects.order_by("name")) if person is None else []
    series = request.GET.get("series", "")
    if series not in {s.code for s in series_list}:
        series = ""
    found = catalogue(person=person, query=query, category=category, year=year, series=series)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rules = rules_on(timezone.localdate(), series=person.series_id if person else None)  # once for the page
    rows = [
        {
            "course": c,
            "hours": course_hours(c, rules=rules),
            "category": CATEGORY_LABELS[Category(c.category)],
        }
        for c in page.object_list
    ]
    params = urlencode(
        [(k, v) for k, v in (("q", query), ("category", category), ("year", year), ("series", series)) if v]
    )
    context = {
        "page": page,
        "rows": rows,
        "total": page.paginator.count,
        "q": query,
        "category": category,
        "categories": [(c.value, CATEGORY_LABELS[c]) for c in Category] + [(PUBLIC, "公需科目（一般公需与行业公需）")],
        "query": params,
        "person": person,
        "year": year,
        "years": years,
        "this_year": this_year,
        "series": series,
        "series_list": series_list,
    }
    return render(request, "web/courses.html", context)


def _course(pk: int) -> Course:
    return get_object_or_404(Course.objects.select_related("series"), pk=pk, published=True)


@login_required
def course(request: HttpRequest, pk: int) -> HttpResponse:
    course = _course(pk)
    person = _person(request)
    enrollment = enrollment_of(person, course)
    attempts = list(enrollment.attempts.all()) if enrollment else []
    context = {
        "course": course,
        "category": CATEGORY_LABELS[Category(course.category)],
        "hours": course_hours(course, series=person.series_id if person else None),
        "seconds": _minutes(course_seconds(course)),
        "items": [(i, _minutes(i.duration_seconds)) for i in course.items.all()],
        "enrollment": enrollment,
        "states": item_states(enrollment) if enrollment else [],
        "attempts": attempts,
        "passed": any(a.passed for a in attempts),
        "refusal": course_refusal(course, person) if person else "只有已实名登记的专业技术人员可以参加在线学习",
        "question_count": course.questions.count(),
    }
    return render(request, "web/course.html", context)


@login_required
@require_POST
def course_enroll(request: HttpRequest, pk: int) -> HttpResponse:
    course = _course(pk)
    try:
        enroll(user=request.user, course=course)
    except LearningError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已选学《{course.title}》")
    return redirect("web:course", pk=pk)


def _enrolled_item(request: HttpRequest, pk: int, item_pk: int) -> tuple[Course, CoursewareItem, Enrollment]:
    course = _course(pk)
    item = get_object_or_404(CoursewareItem, pk=item_pk, course=course)
    person = _person(request)
    enrollment = enrollment_of(person, course)
    if enrollment is None:
        raise Http404("请先选学该课程")
    return course, item, enrollment


@login_required
def player(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    course, item, enrollment = _enrolled_item(request, pk, item_pk)
    items = list(course.items.all())
    following = next((i for i in items if i.position > item.position), None)
    context = {"course": course, "item": item, "duration": _minutes(item.duration_seconds), "next_item": following}
    return render(request, "web/player.html", context)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@login_required
def video(request: HttpRequest, pk: int, item_pk: int) -> HttpResponseBase:
    """The courseware file, to enrolled people only, in the byte ranges phone browsers ask for."""
    _, item, _ = _enrolled_item(request, pk, item_pk)
    storage = storages["courseware"]
    size = item.size
    start, end = 0, size - 1
    status = 200
    wanted = request.headers.get("Range", "")
    if wanted:
        match = _RANGE.match(wanted.strip())
        if match is None or match.group(1) == match.group(2) == "":
            return _unsatisfiable(size)
        if match.group(1) == "":  # the last N bytes
            start = max(0, size - int(match.group(2)))
        else:
            start = int(match.group(1))
            end = min(size - 1, int(match.group(2))) if match.group(2) else size - 1
        if start >= size or start > end:
            return _unsatisfiable(size)
        # gunicorn's sync workers: an answer must end soon, or a few playing videos hold every
        # worker. A player asks "bytes=0-" and reads as it plays; it is given a piece at a time and
        # asks for the next (Content-Range says where this one ends), as from any HTTP server.
        end = min(end, start + settings.CEHOURS_VIDEO_RANGE_BYTES - 1)
        status = 206
    handle = storage.open(item.file_name, "rb")
    handle.seek(start)

    def chunks(remaining: int = end - start + 1):
        with handle:
            while remaining > 0:
                data = handle.read(min(_CHUNK, remaining))
                if not data:
                    return
                remaining -= len(data)
                yield data

    response = StreamingHttpResponse(chunks(), status=status, content_type="video/mp4")
    response["Accept-Ranges"] = "bytes"
    response["Content-Length"] = str(end - start + 1)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    return response


def _json_body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise LearningError("", "请求内容不是有效的 JSON") from None
    if not isinstance(data, dict):
        raise LearningError("", "请求内容须为 JSON 对象")
    return data


def _number(data: dict, name: str, *, integer: bool = False) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise LearningError(name, f"{name} 须为数字")
    if integer and not isinstance(value, int):
        raise LearningError(name, f"{name} 须为整数")
    if value < 0 or value > 10**12:
        raise LearningError(name, f"{name} 超出允许范围")
    return value


def _flag(data: dict, name: str) -> bool:
    value = data.get(name)
    if not isinstance(value, bool):
        raise LearningError(name, f"{name} 须为 true 或 false")
    return value


def _error(exc: LearningError) -> JsonResponse:
    status = {"not_found": 404, "forbidden": 403, "conflict": 409}.get(str(exc.code), 400)
    return JsonResponse({"error": {"field": exc.field, "message": exc.message, "code": str(exc.code)}}, status=status)


@login_required
@require_POST
def playback(request: HttpRequest) -> JsonResponse:
    """Start a playback: the token its heartbeats carry, and where to resume."""
    try:
        data = _json_body(request)
        item_pk = int(_number(data, "item", integer=True))
        item = CoursewareItem.objects.filter(pk=item_pk, course__published=True).first()
        if item is None:
            raise LearningError("item", "没有找到该课件", ErrorCode.NOT_FOUND)
        started, answer = playback_start(user=request.user, session_key=request.session.session_key or "", item=item)
    except LearningError as exc:
        return _error(exc)
    return JsonResponse({"token": started.token, **answer.as_json()})


@login_required
@require_POST
def beat(request: HttpRequest) -> JsonResponse:
    """One heartbeat of the player (README, "The heartbeat protocol")."""
    try:
        data = _json_body(request)
        reported = Beat(
            seq=int(_number(data, "seq", integer=True)),
            position=float(_number(data, "position")),
            rate=float(_number(data, "rate")),
            playing=_flag(data, "playing"),
            visible=_flag(data, "visible"),
        )
        token = data.get("token")
        if not isinstance(token, str):
            raise LearningError("token", "token 须为字符串")
        answer = heartbeat(user=request.user, session_key=request.session.session_key or "", token=token, beat=reported)
    except LearningError as exc:
        return _error(exc)
    return JsonResponse(answer.as_json())


@login_required
@require_POST
def answer(request: HttpRequest) -> JsonResponse:
    try:
        data = _json_body(request)
        token = data.get("token")
        if not isinstance(token, str):
            raise LearningError("token", "token 须为字符串")
        choice = int(_number(data, "choice", integer=True))
        result = check_answer(
            user=request.user, session_key=request.session.session_key or "", token=token, choice=choice
        )
    except LearningError as exc:
        return _error(exc)
    return JsonResponse(result.as_json())


@login_required
def exam(request: HttpRequest, pk: int) -> HttpResponse:
    """The course's assessment: start a paper, answer it, see the result."""
    course = _course(pk)
    person = _person(request)
    enrollment = enrollment_of(person, course)
    if enrollment is None:
        messages.error(request, "请先选学该课程")
        return redirect("web:course", pk=pk)
    if request.method == "POST" and request.POST.get("start"):
        try:
            attempt_start(user=request.user, course=course)
        except LearningError as exc:
            messages.error(request, exc.message)
            return redirect("web:course", pk=pk)
        return redirect("web:course-exam", pk=pk)
    if request.method == "POST":
        attempt_pk = request.POST.get("attempt", "")
        answers = {}
        for key in request.POST:
            if key.startswith("q"):
                try:
                    answers[int(key[1:])] = [int(v) for v in request.POST.getlist(key)]
                except ValueError:
                    messages.error(request, "答案格式有误")
                    return redirect("web:course-exam", pk=pk)
        try:
            done = attempt_submit(
                user=request.user, attempt_id=int(attempt_pk) if attempt_pk.isdigit() else 0, answers=answers
            )
        except LearningError as exc:
            messages.error(request, exc.message)
            return redirect("web:course", pk=pk)
        if done.passed:
            messages.success(request, f"考核合格，得分 {done.score}")
        else:
            messages.error(request, f"考核未通过，得分 {done.score}（合格分数 {course.pass_mark}）")
        return redirect("web:course", pk=pk)
    attempt = enrollment.attempts.filter(submitted_at__isnull=True).order_by("-started_at").first()
    if attempt is None:
        return redirect("web:course", pk=pk)
    paper = [
        {"question": q, "options": list(enumerate(q.options)), "multiple": q.kind == "multiple", "number": n}
        for n, q in enumerate(attempt_paper(attempt), start=1)
    ]
    return render(request, "web/exam.html", {"course": course, "attempt": attempt, "paper": paper})


@login_required
def my_courses(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if person is None:
        raise Http404("您的账号未关联专业技术人员档案")
    page = Paginator(my_enrollments(person), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for enrollment in page.object_list:
        states = item_states(enrollment)
        total = sum(s.duration for s in states)
        watched = sum(min(s.watched, s.duration) for s in states)
        rows.append(
            {
                "enrollment": enrollment,
                "percent": 100 * watched // total if total else 100,
                "url": reverse("web:course", args=[enrollment.course_id]),
            }
        )
    return render(request, "web/my_courses.html", {"page": page, "rows": rows, "total": page.paginator.count})
