from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from audit.models import AuditEntry
from audit.services import record as audit
from guides.selectors import answer_figures, answerable_guide
from lib.client_ip import client_ip
from lib.pdf import Document, pdf_response
from lib.xlsx import workbook_response
from minhu.dbrouter import use_replica
from org.access import role_required
from org.models import STAFF_ROLES
from org.scoping import chosen_or_404, visible_regions
from volunteers.models import Volunteer
from volunteers.qr import qr_svg
from volunteers.selectors import assignable_volunteers, is_staff, rank_volunteers

from . import services
from .forms import CheckInForm, DeskForm, EventForm, FinishForm, RosterForm, TakeForm
from .models import Consultation, QueueTicket, RosterEntry, ServiceEvent
from .selectors import event_report, get_desk_for_user, get_event_for_user, get_ticket_for_user
from .throttle import take_refused


def _error(request, exc: ValidationError):
    messages.error(request, "；".join(exc.messages))


def public_url(request, event) -> str:
    return request.build_absolute_uri(reverse("events:public", args=[event.public_token]))


# Staff pages ------------------------------------------------------------------------------------
@login_required
def event_list(request):
    events = ServiceEvent.objects.visible_to(request.user).select_related("region", "organiser")
    return render(request, "events/event_list.html", {"events": events, "staff": is_staff(request.user)})


@role_required(*STAFF_ROLES)
def event_new(request):
    form = EventForm(request.POST or None, regions=visible_regions(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            event = services.event_create(
                title=d["title"],
                region=d["region"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                place=d["place"],
                organiser=d["organiser"],
                partners=d["partners"],
                description=d["description"],
                by=request.user,
            )
            for topic in d["topics"]:
                services.desk_add(event=event, topic=topic, by=request.user)
        except ValidationError as exc:
            _error(request, exc)
        else:
            return redirect("events:event_detail", pk=event.pk)
    return render(request, "events/form.html", {"form": form, "title": _("新建服务活动")})


@login_required
def event_detail(request, pk):
    event = get_event_for_user(request.user, pk)
    staff = is_staff(request.user)
    if request.method == "POST" and staff:
        form = DeskForm(request.POST)
        if form.is_valid():
            try:
                services.desk_add(event=event, by=request.user, **form.cleaned_data)
                messages.success(request, _("已添加咨询台。"))
                return redirect("events:event_detail", pk=event.pk)
            except ValidationError as exc:
                _error(request, exc)
    else:
        form = DeskForm()
    roster = RosterEntry.objects.filter(desk__event=event).select_related("desk", "assignment__volunteer")
    url = public_url(request, event)
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "boards": services.event_board(event),
            "roster": roster,
            "form": form,
            "staff": staff,
            "public_url": url,
            "qr": qr_svg(url),
        },
    )


@require_POST
@role_required(*STAFF_ROLES)
def event_close(request, pk):
    event = get_event_for_user(request.user, pk)
    written = services.event_close(event=event, by=request.user)
    messages.success(request, _("活动已结束，写入志愿服务记录 %(n)s 条。") % {"n": written})
    return redirect("events:event_report", pk=event.pk)


@require_POST
@role_required(*STAFF_ROLES)
def event_status(request, pk):
    """筹备中 ⇄ 进行中 from the event page (结束 has its own button: it writes the service hours)."""
    event = get_event_for_user(request.user, pk)
    status = request.POST.get("status", "")
    if status not in (ServiceEvent.Status.PLANNED, ServiceEvent.Status.OPEN):
        messages.error(request, _("请选择“筹备中”或“进行中”；结束活动请用“结束活动并写入服务时长”。"))
        return redirect("events:event_detail", pk=event.pk)
    try:
        event = services.event_set_status(event=event, status=status, by=request.user)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("活动状态已改为“%(s)s”。") % {"s": event.get_status_display()})
    return redirect("events:event_detail", pk=event.pk)


@role_required(*STAFF_ROLES)
def desk_console(request, pk):
    """The desk staff's screen: call next, re-call, no-show, start, finish with the consultation, transfer."""
    desk = get_desk_for_user(request.user, pk)
    active = list(desk.tickets.filter(status__in=["called", "serving"]).order_by("called_at"))
    waiting = list(desk.tickets.waiting().in_call_order()[:10])
    others = desk.event.desks.exclude(pk=desk.pk)
    volunteers = Volunteer.objects.filter(assignments__roster_entry__desk=desk).distinct()
    return render(
        request,
        "events/desk_console.html",
        {
            "desk": desk,
            "active": active,
            "waiting": waiting,
            "others": others,
            "finish_form": FinishForm(),
            "volunteers": volunteers,
            "waiting_count": desk.tickets.waiting().count(),
        },
    )


@require_POST
@role_required(*STAFF_ROLES)
def desk_action(request, pk):
    desk = get_desk_for_user(request.user, pk)
    action = request.POST.get("action")
    try:
        if action == "call_next":
            ticket = services.ticket_call_next(desk=desk, by=request.user)
            if ticket is None:
                messages.info(request, _("没有等候的居民。"))
            else:
                messages.success(request, _("请 %(label)s 号到台咨询。") % {"label": ticket.label})
            return redirect("events:desk_console", pk=desk.pk)
        ticket = get_object_or_404(QueueTicket, pk=request.POST.get("ticket"), desk=desk)
        if action == "recall":
            services.ticket_recall(ticket=ticket, by=request.user)
        elif action == "no_show":
            services.ticket_no_show(ticket=ticket, by=request.user)
        elif action == "start":
            services.ticket_start(ticket=ticket, by=request.user)
        elif action == "transfer":
            to_desk = get_object_or_404(desk.event.desks, pk=request.POST.get("to_desk"))
            new = services.ticket_transfer(ticket=ticket, to_desk=to_desk, by=request.user)
            messages.success(
                request,
                _("已转到%(desk)s，新号码 %(label)s（保留原取号时间）。") % {"desk": to_desk.name, "label": new.label},
            )
        elif action == "finish":
            form = FinishForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("请填写咨询内容。"))
                return redirect("events:desk_console", pk=desk.pk)
            answered = request.POST.get("answered_by")
            answered = chosen_or_404(assignable_volunteers(desk.event.region), answered) if answered else None
            guide = answerable_guide(desk.event.region, request.POST.get("guide"))
            c = services.ticket_finish(
                ticket=ticket,
                by=request.user,
                answered_by=answered,
                guide=guide,
                send_guide=bool(request.POST.get("send_guide")),
                **form.cleaned_data,
            )
            if c.case_id:
                # the number and a link: the desk says it to the resident, and staff can open it at once
                messages.success(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>{}',
                        _("已记录咨询，已生成跟进诉求"),
                        reverse("cases:detail", args=[c.case_id]),
                        c.case.number,
                        _("，请告知居民凭此编号查询进度。"),
                    ),
                )
            else:
                messages.success(request, _("已记录咨询。"))
        else:
            raise Http404
    except ValidationError as exc:
        _error(request, exc)
    return redirect("events:desk_console", pk=desk.pk)


@role_required(*STAFF_ROLES)
def check_in(request, pk):
    """Staff at the entrance give a number to a resident without a phone."""
    event = get_event_for_user(request.user, pk)
    form = CheckInForm(request.POST or None, event=event)
    ticket = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            ticket = services.ticket_take(
                desk=d["desk"],
                by=request.user,
                name=d["name"],
                phone=d["phone"],
                priority_reason=d["priority_reason"],
                channel=QueueTicket.Channel.STAFF,
            )
            form = CheckInForm(event=event)
        except services.AlreadyQueued as exc:
            ticket = exc.ticket
            messages.info(request, exc.messages[0])
        except ValidationError as exc:
            _error(request, exc)
    return render(request, "events/check_in.html", {"event": event, "form": form, "ticket": ticket})


@role_required(*STAFF_ROLES)
def desk_match(request, pk):
    """Rank volunteers for a desk's topic at the event's time and offer a shift in one click."""
    desk = get_desk_for_user(request.user, pk)
    event = desk.event
    form = RosterForm(
        request.POST or None,
        initial={"starts_at": timezone.localtime(event.starts_at), "ends_at": timezone.localtime(event.ends_at)},
    )
    starts, ends = event.starts_at, event.ends_at
    if request.method == "POST" and form.is_valid():
        starts, ends = form.cleaned_data["starts_at"], form.cleaned_data["ends_at"]
        v = chosen_or_404(assignable_volunteers(event.region), request.POST.get("volunteer"))
        try:
            services.roster_add(desk=desk, volunteer=v, starts_at=starts, ends_at=ends, by=request.user)
            messages.success(request, _("已派给 %(name)s，等待志愿者在手机上确认。") % {"name": v.name})
        except ValidationError as exc:
            _error(request, exc)
        return redirect("events:desk_match", pk=desk.pk)
    matches = rank_volunteers(
        category_code=desk.topic.category_code,
        starts_at=starts,
        ends_at=ends,
        latitude=event.latitude,
        longitude=event.longitude,
        region=event.region,
    )
    extra = [
        ("starts_at", f"{timezone.localtime(starts):%Y-%m-%dT%H:%M}"),
        ("ends_at", f"{timezone.localtime(ends):%Y-%m-%dT%H:%M}"),
    ]
    return render(
        request, "events/desk_match.html", {"desk": desk, "matches": matches, "form": form, "extra_fields": extra}
    )


@role_required(*STAFF_ROLES)
@use_replica()
def event_report_view(request, pk):
    event = get_event_for_user(request.user, pk)
    report = event_report(event)
    answers = answer_figures(Consultation.objects.filter(event=event), by="desk", with_questions=True)
    answer_rows = [
        [r.label, r.asked, r.from_guide, "—" if r.share is None else f"{r.share}%", r.unanswered]
        for r in [*answers.rows, answers.total]
    ]
    answer_headers = ["咨询台", "咨询", "指南答复", "占比", "未能解答"]
    fmt = request.GET.get("format")
    headers = ["咨询台", "服务人数", "过号", "转台", "跟进诉求", "等候中", "等候中位数（分钟）", "等候P90（分钟）"]
    rows = [
        [
            r.desk.name if r.desk else "合计",
            r.served,
            r.no_shows,
            r.transfers,
            r.follow_ups,
            r.waiting,
            _fmt(r.median_wait),
            _fmt(r.p90_wait),
        ]
        for r in [*report.desks, report.total]
    ]
    if fmt in ("xlsx", "pdf"):
        audit(
            actor=request.user,
            action="events.report.export",
            kind=AuditEntry.Kind.EXPORT,
            obj=event,
            detail={"format": fmt},
            request=request,
        )
    if fmt == "xlsx":
        rows_out = rows + [[], ["志愿者", "服务时长（小时）"]] + [[n, str(h)] for n, h in report.volunteers]
        rows_out.append(["合计", str(report.volunteer_hours)])
        rows_out += [[], ["依据办事指南答复"], answer_headers, *answer_rows]
        rows_out += [[], ["问得最多的指南", "次数"], *[[name, n] for name, n in answers.top_guides]]
        return workbook_response(f"{event.title}-活动报告.xlsx", headers, rows_out)
    if fmt == "pdf":
        doc = Document(f"{event.title} 活动报告")
        doc.title_line(event.title)
        doc.paragraph(
            f"{timezone.localtime(event.starts_at):%Y年%m月%d日 %H:%M}—"
            f"{timezone.localtime(event.ends_at):%H:%M} · {event.place} · 主办：{event.organiser}"
        )
        doc.heading("各咨询台服务情况")
        doc.table([headers, *rows], widths_mm=[34, 18, 14, 14, 18, 16, 30, 30])
        doc.heading("志愿服务时长（已写入志愿服务记录）")
        doc.table(
            [
                ["志愿者", "时长（小时）"],
                *[[n, str(h)] for n, h in report.volunteers],
                ["合计", str(report.volunteer_hours)],
            ],
            widths_mm=[80, 40],
        )
        doc.heading("依据办事指南答复")
        doc.table([answer_headers, *answer_rows], widths_mm=[50, 25, 25, 25, 25])
        if answers.top_guides:
            doc.paragraph("问得最多的指南：" + "；".join(f"{name} {n} 次" for name, n in answers.top_guides))
        doc.paragraph("等候时间：从首次取号（转台保留原取号时间）到首次叫号。", style="small")
        return pdf_response(f"{event.title}-活动报告.pdf", doc.render())
    context = {"event": event, "report": report, "rows": rows, "headers": headers, "answers": answers}
    return render(request, "events/report.html", context)


def _fmt(value):
    return "—" if value is None else f"{value:.1f}"


# Public pages (no login): the QR code leads here ------------------------------------------------
def _public_event(token) -> ServiceEvent:
    return get_object_or_404(ServiceEvent.objects.select_related("organiser"), public_token=token)


@never_cache
def public_event(request, token):
    event = _public_event(token)
    return render(
        request, "events/public.html", {"event": event, "boards": services.event_board(event), "form": TakeForm()}
    )


@require_POST
def public_take(request, token, desk_pk):
    event = _public_event(token)
    desk = get_object_or_404(event.desks, pk=desk_pk)
    form = TakeForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "events/public.html",
            {"event": event, "boards": services.event_board(event), "form": form, "form_desk": desk.pk},
            status=400,
        )
    if not request.session.session_key:
        request.session.save()
    if take_refused(event_id=event.pk, device=request.session.session_key, ip=client_ip(request)):
        messages.error(request, _("取号太频繁，请稍后再试；如需帮助请到现场签到处。"))
        response = render(
            request,
            "events/public.html",
            {"event": event, "boards": services.event_board(event), "form": form},
            status=429,
        )
        response["Retry-After"] = str(settings.TAKE_WINDOW)
        return response
    d = form.cleaned_data
    try:
        ticket = services.ticket_take(
            desk=desk,
            name=d["name"],
            phone=d["phone"],
            priority_reason=d["priority_reason"],
            session_key=request.session.session_key,
            channel=QueueTicket.Channel.PHONE,
        )
    except services.AlreadyQueued as exc:
        messages.info(request, exc.messages[0])
        ticket = exc.ticket
    except ValidationError as exc:
        _error(request, exc)
        return redirect("events:public", token=token)
    return redirect("events:ticket", token=ticket.token)


def _ticket_context(ticket):
    # Follow transfers to the ticket the resident now holds.
    while hasattr(ticket, "transferred_to"):
        try:
            ticket = ticket.transferred_to
        except QueueTicket.DoesNotExist:
            break
    ahead = services.position_of(ticket)
    interval = services.desk_interval_minutes(ticket.desk)
    return {
        "ticket": ticket,
        "ahead": ahead,
        "wait": services.estimate_wait_minutes(ahead, interval),
        "event": ticket.desk.event,
    }


@never_cache
def ticket_page(request, token):
    ticket = get_object_or_404(QueueTicket.objects.select_related("desk__event"), token=token)
    return render(request, "events/ticket.html", _ticket_context(ticket))


@never_cache
def ticket_status(request, token):
    """The htmx partial the ticket page polls."""
    ticket = get_object_or_404(QueueTicket.objects.select_related("desk__event"), token=token)
    return render(request, "events/_ticket_status.html", _ticket_context(ticket))


@require_POST
def ticket_cancel(request, token):
    ticket = get_object_or_404(QueueTicket.objects.select_related("desk__event"), token=token)
    try:
        services.ticket_cancel(ticket=ticket)
        messages.success(request, _("已取消排队。"))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("events:ticket", token=token)


@never_cache
def display(request, token):
    event = _public_event(token)
    return render(request, "events/display.html", {"event": event, "boards": services.event_board(event)})


@never_cache
def display_board(request, token):
    event = _public_event(token)
    return render(request, "events/_board.html", {"event": event, "boards": services.event_board(event)})


@login_required
def ticket_detail(request, pk):
    ticket = get_ticket_for_user(request.user, pk)
    return redirect("events:desk_console", pk=ticket.desk_id)
