"""Pages for those who manage courses (课程管理): the list in their scope, a new course, and one
course's details, courseware, question bank and publication."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cehours.access.policy import Action, grants_for
from cehours.errors import FieldError
from cehours.learning.catalogue import (
    COURSE_FIELDS,
    course_publish,
    course_save,
    courseware_upload,
    managed,
    question_add,
)
from cehours.learning.models import Course, Question
from cehours.learning.services import course_hours
from cehours.ledger.rulesets import rules_on
from cehours.people.models import Series
from cehours.rules.hours import CATEGORY_LABELS, Category

from .permissions import allowed

PAGE_SIZE = 20


def _series_choices(user) -> list[Series]:
    grants = grants_for(user, Action.MANAGE_COURSES)
    codes = {g.series_id for g in grants if g.series_id}
    if any(g.series_id is None and g.role == "industry_authority" for g in grants):
        return list(Series.objects.order_by("name"))
    return list(Series.objects.filter(code__in=codes).order_by("name"))


def _form_context(user, values: dict, error: FieldError | None) -> dict:
    return {
        "values": values,
        "error": error,
        "kinds": Course.Kind.choices,
        "categories": [(c.value, CATEGORY_LABELS[c]) for c in Category],
        "series_choices": _series_choices(user),
    }


@allowed(Action.MANAGE_COURSES)
def courses_manage(request: HttpRequest) -> HttpResponse:
    error = None
    values: dict = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            course = course_save(by=request.user, data=values)
        except FieldError as exc:
            error = exc
        else:
            messages.success(request, f"已创建课程《{course.title}》，请上传课件、录入题库后发布")
            return redirect("web:course-manage", pk=course.pk)
    page = Paginator(managed(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    city_rules = rules_on(timezone.localdate())  # once for the page: a course's hours by the city's rules
    rows = [
        {"course": c, "hours": course_hours(c, rules=city_rules), "category": CATEGORY_LABELS[Category(c.category)]}
        for c in page.object_list
    ]
    context = {"page": page, "rows": rows, "total": page.paginator.count, **_form_context(request.user, values, error)}
    return render(request, "web/courses_manage.html", context, status=400 if error else 200)


@allowed(Action.MANAGE_COURSES)
def course_manage(request: HttpRequest, pk: int) -> HttpResponse:
    course = managed(request.user).filter(pk=pk).first()
    if course is None:
        raise Http404("没有找到该课程")
    error = None
    values = {f: getattr(course, f) for f in COURSE_FIELDS if f != "series"}
    values["series"] = course.series_id or ""
    if request.method == "POST":
        step = request.POST.get("step", "")
        try:
            if step == "details":
                values = request.POST.dict()
                course_save(by=request.user, data=values, course=course)
                messages.success(request, "课程信息已保存")
            elif step == "courseware":
                item = courseware_upload(
                    by=request.user,
                    course=course,
                    title=request.POST.get("title", ""),
                    upload=request.FILES.get("file"),
                )
                messages.success(
                    request,
                    f"已上传课件“{item.title}”，时长 {item.duration_seconds // 60} 分 {item.duration_seconds % 60} 秒",
                )
            elif step == "question":
                question_add(
                    by=request.user,
                    course=course,
                    kind=request.POST.get("kind", ""),
                    text=request.POST.get("text", ""),
                    options=request.POST.get("options", ""),
                    answer=request.POST.get("answer", ""),
                )
                messages.success(request, "已加入题库")
            elif step == "publish":
                course_publish(by=request.user, course=course)
                messages.success(request, "课程已发布，专业技术人员可以选学")
            else:
                raise FieldError("step", "请求无效")
        except FieldError as exc:
            error = exc
        else:
            return redirect("web:course-manage", pk=pk)
        course.refresh_from_db()
    context = {
        "course": course,
        "hours": course_hours(course),
        "items": list(course.items.all()),
        "questions": list(course.questions.order_by("pk")),
        "question_kinds": Question.Kind.choices,
        "step": request.POST.get("step", "") if error else "",
        **_form_context(request.user, values, error),
    }
    return render(request, "web/course_manage.html", context, status=400 if error else 200)
