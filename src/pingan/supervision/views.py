"""Supervised task pages: the board, the list, a task with its milestones and steps, the
form that assigns one.

Thin on purpose: reads go through ``supervision.selectors`` (``tasks_for``: who may see a
task), writes through ``supervision.services``, whose messages are shown as they are. A task
the user may not see is a 404 exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from pingan.core import errors, web
from pingan.core.models import DueState, Event
from pingan.core.people import lead_unit
from pingan.supervision import selectors, services
from pingan.supervision.forms import ExtendForm, TaskForm, TaskStepForm, prefill
from pingan.supervision.models import Category, Origin, Status, SupervisedTask
from pingan.supervision.workflow import TASK_WORKFLOW

TIMELINE_CHOICES = {"category": Category, "origin": Origin}

MSG_CREATED = gettext_lazy("Task assigned. Its reference number is {ref}.")
MSG_EXISTS = gettext_lazy("A task for this already exists: {ref}.")
MSG_EXTENDED = gettext_lazy("Deadline extended to {due}.")
MSG_STEP_DONE = gettext_lazy("“{step}” done.")

MILESTONE_STATES = {
    "done": gettext_lazy("Done"),
    "done_late": gettext_lazy("Done late"),
    "overdue": gettext_lazy("Overdue"),
    "next": gettext_lazy("Next"),
    "ahead": gettext_lazy("Ahead"),
}
FILTER_LABELS = web.FILTER_LABELS | {
    "lead": gettext_lazy("lead"),
    "leader": gettext_lazy("responsible leader"),
    "origin": gettext_lazy("comes from"),
    "progress": gettext_lazy("progress"),
}
SORT_LABELS = web.sort_labels("opened")
LIST_PAGE = web.ListPage(selectors.TaskFilters, labels=FILTER_LABELS, page="supervision/tasks/list.html",
                         results="supervision/tasks/_list_results.html",
                         rows="supervision/tasks/_list_rows.html")


def _task_or_404(user: Any, ref: str) -> SupervisedTask:
    return web.case_or_404(selectors.task_get(user=user, ref=ref))


# --- The board and the list ---------------------------------------------------------------


@login_required
def board(request: HttpRequest) -> HttpResponse:
    by = "department" if request.GET.get("by") == "department" else "leader"
    rows = [(row, [(key, label, row.counts[key]) for key, label in selectors.Progress.choices])
            for row in selectors.board(request.user, by=by)]
    filter_name = "lead" if by == "department" else "leader"
    return render(request, "supervision/tasks/board.html", {
        "by": by, "rows": rows, "filter_name": filter_name,
        "columns": list(selectors.Progress.choices),
        "may_create": services.may_create_task(request.user),
    })


def _filter_options(request: HttpRequest) -> dict[str, Any]:
    return {
        "menus": web.filter_menus(
            request,
            ("status", _("Status"), Status.choices),
            ("progress", _("Progress"), list(selectors.Progress.choices)),
            ("origin", _("Comes from"), Origin.choices),
            ("due_state", _("Due state"), DueState.choices),
        ),
        "sort_options": list(SORT_LABELS.items()),
        "list_id": "task", "list_url": reverse("supervision:tasks"),
        "search_placeholder": _("Reference, title or goal"),
        "may_create": services.may_create_task(request.user),
    }


@login_required
@vary_on_headers("HX-Request")
def task_list(request: HttpRequest) -> HttpResponse:
    return web.list_response(
        request, LIST_PAGE, page_context=lambda: _filter_options(request),
        queryset=lambda f: selectors.task_list(user=request.user, filters=f)
        .select_related("unit", "department", "responsible_leader"),
    )


# --- One task -----------------------------------------------------------------------------


def _progress_reports(task: SupervisedTask) -> list[Event]:
    """The steps that reported work (progress, milestones, completion), newest first, each
    with its files."""
    return list(task.events.filter(transition__in=["report_progress", "complete_milestone", "complete"])
                .select_related("actor").prefetch_related("attachments").order_by("-seq"))


def _render_detail(request: HttpRequest, task: SupervisedTask, *, bound: dict[str, Any] | None = None,
                   status: int = 200) -> HttpResponse:
    bound = bound or {}
    user = request.user
    version = {"version": task.version}
    actions = web.step_actions(
        task, user, workflow=TASK_WORKFLOW, bound=bound, multipart=True,
        form=lambda name: TaskStepForm(task=task, name=name, initial=version),
        url=lambda name: reverse("supervision:task-step", args=[task.ref, name]),
    )
    if services.may_extend(task, user):
        actions.append(web.Action(
            key="extend", label=_("Extend deadline"), url=reverse("supervision:task-extend", args=[task.ref]),
            form=bound.get("extend") or ExtendForm(initial=version),
            intro=_("A deadline can be extended once, with a reason."),
        ))
    return render(request, "supervision/tasks/detail.html", {
        "task": task,
        "lead": lead_unit(task),
        "status_label": TASK_WORKFLOW.label(task.status),
        "origin_link": task.origin_link if services.is_local_link(task.origin_link) else "",
        "co_handlers": list(task.co_handlers.order_by("prefix")),
        "milestones": [(view, MILESTONE_STATES[view.state]) for view in selectors.milestone_views(task)],
        "reports": _progress_reports(task),
        "actions": actions,
        "open_form": next(iter(bound), None),
        "refused": web.refused_messages(bound, actions),
        "timeline": web.timeline(task, workflow=TASK_WORKFLOW, choices=TIMELINE_CHOICES),
    }, status=status)


@login_required
def task_detail(request: HttpRequest, ref: str) -> HttpResponse:
    return _render_detail(request, _task_or_404(request.user, ref))


PAGE = web.ItemPage(get=_task_or_404, render=_render_detail, url_name="supervision:task")


@login_required
@require_POST
def task_step(request: HttpRequest, ref: str, name: str) -> HttpResponse:
    transition = web.transition_or_404(TASK_WORKFLOW, name)

    def run(task: SupervisedTask, bound: TaskStepForm) -> str:
        services.task_transition(task=task, name=name, actor=request.user,
                                 expected_version=bound.cleaned_data["version"],
                                 note=bound.cleaned_data["note"], **bound.inputs())
        return MSG_STEP_DONE.format(step=transition.label)

    task = _task_or_404(request.user, ref)
    return web.act_on_page(request, ref, page=PAGE, key=name, run=run,
                           form=TaskStepForm(request.POST, request.FILES, task=task, name=name))


@login_required
@require_POST
def task_extend(request: HttpRequest, ref: str) -> HttpResponse:
    def run(task: SupervisedTask, bound: ExtendForm) -> str:
        services.task_extend(task=task, actor=request.user, expected_version=bound.cleaned_data["version"],
                             deadline=bound.cleaned_data["deadline"], reason=bound.cleaned_data["reason"])
        return MSG_EXTENDED.format(due=task.deadline.isoformat())

    return web.act_on_page(request, ref, page=PAGE, key="extend", run=run, form=ExtendForm(request.POST))


@login_required
def task_attachment(request: HttpRequest, ref: str, pk: int) -> FileResponse:
    return web.attachment_response(_task_or_404(request.user, ref), pk)


# --- Assign one ---------------------------------------------------------------------------


@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    refusal = services.create_refusal(request.user)
    if refusal is not None:
        raise Http404(refusal.message)
    key = request.GET.get("origin_key") or request.POST.get("origin_key")
    if request.method == "GET" and key and (existing := selectors.tasks_for(request.user)
                                            .filter(origin_key=key).first()):
        messages.info(request, MSG_EXISTS.format(ref=existing.ref))
        return redirect("supervision:task", ref=existing.ref)
    form = TaskForm(request.POST or None, initial=prefill(request.GET))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            leadership = data["leadership"]
            try:
                task = services.task_create(
                    actor=request.user, title=data["title"], unit=data["unit"],
                    lead=data["lead"] or data["unit"],
                    deadline=data["deadline"], milestones=data["milestones"], description=data["description"],
                    goal=data["goal"], category=data["category"], co_handlers=data["co_handlers"],
                    responsible_leader=leadership.user if leadership else None, origin=data["origin"],
                    origin_label=data["origin_label"], origin_link=data["origin_link"],
                    origin_key=data["origin_key"] or None,
                )
            except errors.DomainError as exc:
                web.attach_error(form, exc)
                status = exc.status
            else:
                messages.success(request, MSG_CREATED.format(ref=task.ref))
                return redirect("supervision:task", ref=task.ref)
    link = form["origin_link"].value() or ""
    return render(request, "supervision/tasks/new.html",
                  {"form": form, "origin_link": link if services.is_local_link(link) else ""}, status=status)
