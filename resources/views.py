import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import Case
from cases.selectors import get_case_for_user
from lib import dates
from minhu.dbrouter import use_replica
from org.access import role_required
from org.models import STAFF_ROLES

from . import services
from .forms import BookingForm, DecisionForm, GrantForm, SeriesForm, UsageForm
from .models import Booking, BookingGroup, Resource, WaitlistEntry
from .selectors import (
    bookable_resources,
    is_manager,
    local,
    may_book,
    pending_for,
    slot_grid,
    usage,
)


def get_resource_for_user(user, pk) -> Resource:
    """A resource the user manages or may book; anything else answers 404 like a missing one."""
    resource = (
        Resource.objects.select_related("region", "unit", "address")
        .prefetch_related("hours", "closed", "allowed_groups", "allowed_regions")
        .filter(pk=pk)
        .first()
    )
    if resource is None or not (is_manager(user, resource) or (resource.is_active and may_book(user, resource))):
        raise Http404
    return resource


def get_booking_for_user(user, pk) -> Booking:
    return get_object_or_404(Booking.objects.visible_to(user).select_related("resource", "user"), pk=pk)


def _error(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


@login_required
def resource_list(request):
    resources = bookable_resources(request.user)
    managed = Resource.objects.visible_to(request.user).exists()
    return render(request, "resources/resource_list.html", {"resources": resources, "managed": managed})


@login_required
def resource_detail(request, pk):
    resource = get_resource_for_user(request.user, pk)
    days = slot_grid(resource, days=7, user=request.user)
    manager = is_manager(request.user, resource)
    bookings = []
    if manager:  # the desk's view: who comes when, with check-in on their behalf
        now = timezone.now()
        bookings = (
            resource.bookings.filter(
                status__in=Booking.ACTIVE_STATUSES, end__gte=now, start__lt=now + datetime.timedelta(days=7)
            )
            .select_related("user", "resource")
            .order_by("start")
        )
    return render(
        request,
        "resources/resource_detail.html",
        {"resource": resource, "days": days, "manager": manager, "bookings": bookings},
    )


@login_required
def booking_new(request, pk):
    resource = get_resource_for_user(request.user, pk)
    initial = {"minutes": resource.default_minutes(), "attendees": 1}
    if request.GET.get("start"):
        start = dates.parse_datetime(request.GET["start"])  # clamped: the end of time does not overflow
        if start is not None:
            start = local(start)
            initial.update(date=start.date(), start=start.time().replace(second=0, microsecond=0))
    form = BookingForm(request.POST or None, resource=resource, initial=initial)
    offer_waitlist = False
    if request.method == "POST" and form.is_valid():
        start, end = form.range()
        if request.POST.get("waitlist"):
            try:
                services.waitlist_join(
                    resource=resource,
                    user=request.user,
                    start=start,
                    end=end,
                    by=request.user,
                    purpose=form.cleaned_data["purpose"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("已加入候补。有空位时会通知您，请在规定时间内确认。"))
                return redirect("resources:my_bookings")
        else:
            try:
                booking = services.booking_create(
                    resource=resource,
                    user=request.user,
                    start=start,
                    end=end,
                    by=request.user,
                    purpose=form.cleaned_data["purpose"],
                    attendees=form.cleaned_data["attendees"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                offer_waitlist = any("候补" in m for m in exc.messages)
            else:
                if booking.status == Booking.Status.PENDING:
                    messages.success(request, _("预约申请已提交，等待工作人员审批。"))
                else:
                    messages.success(request, _("预约成功！请按时到场签到。"))
                return redirect("resources:my_bookings")
    return render(
        request, "resources/booking_form.html", {"resource": resource, "form": form, "offer_waitlist": offer_waitlist}
    )


@login_required
def my_bookings(request):
    now = timezone.now()
    mine = Booking.objects.filter(user=request.user).select_related("resource")
    upcoming = mine.filter(end__gte=now, status__in=Booking.ACTIVE_STATUSES).order_by("start")
    past = mine.exclude(pk__in=upcoming.values("pk")).order_by("-start")[:20]
    waitlist = (
        WaitlistEntry.objects.filter(
            user=request.user, end__gte=now, status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED]
        )
        .select_related("resource")
        .order_by("start")
    )
    return render(
        request, "resources/my_bookings.html", {"upcoming": upcoming, "past": past, "waitlist": waitlist, "now": now}
    )


BOOKING_ACTIONS = {
    "cancel": (services.booking_cancel, _("预约已取消。")),
    "check_in": (services.booking_check_in, _("签到成功，祝使用愉快。")),
    "release": (services.booking_release, _("已提前归还，谢谢！")),
}


@require_POST
@login_required
def booking_action(request, pk, action):
    booking = get_booking_for_user(request.user, pk)
    try:
        if action in BOOKING_ACTIONS:
            func, done = BOOKING_ACTIONS[action]
            func(booking=booking, by=request.user)
        elif action == "confirm":
            services.booking_confirm(booking=booking, by=request.user, note=request.POST.get("note", ""))
            done = _("已批准，与之冲突的申请已自动告知不通过。")
        elif action == "reject":
            services.booking_reject(booking=booking, by=request.user, note=request.POST.get("note", ""))
            done = _("已告知申请人不通过。")
        else:
            raise Http404
    except ValidationError as exc:
        _error(request, exc)
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, done)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("resources:my_bookings")


@require_POST
@login_required
def waitlist_action(request, pk, action):
    entry = get_object_or_404(WaitlistEntry, pk=pk, user=request.user)
    try:
        if action == "accept":
            booking = services.waitlist_accept(entry=entry, by=request.user)
            done = _("预约成功！") if booking.status == Booking.Status.CONFIRMED else _("预约申请已提交，等待审批。")
        elif action == "cancel":
            services.waitlist_cancel(entry=entry, by=request.user)
            done = _("已退出候补。")
        else:
            raise Http404
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, done)
    return redirect("resources:my_bookings")


@role_required(*STAFF_ROLES)
def approval_queue(request):
    return render(
        request, "resources/approval_queue.html", {"pending": pending_for(request.user), "form": DecisionForm()}
    )


@role_required(*STAFF_ROLES)
@use_replica()
def usage_report(request):
    today = timezone.localdate()
    # Default: the last 30 days and the fortnight ahead (bookings already made count as booked hours).
    start, end = today - datetime.timedelta(days=30), today + datetime.timedelta(days=14)
    form = UsageForm(request.GET or None, initial={"start": start, "end": end})
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = [
        usage(r, start=start, end=end)
        for r in Resource.objects.visible_to(request.user).prefetch_related("allowed_groups").order_by("name")
    ]
    return render(request, "resources/usage_report.html", {"form": form, "rows": rows, "start": start, "end": end})


@role_required(*STAFF_ROLES)
def series_new(request, pk):
    resource = get_resource_for_user(request.user, pk)
    if not is_manager(request.user, resource):
        raise Http404
    form = SeriesForm(request.POST or None, resource=resource, initial={"weekdays": [0, 1, 2, 3, 4]})
    if request.method == "POST" and form.is_valid():
        try:
            series = services.series_create(
                resource=resource,
                user=form.cleaned_data["user"],
                by=request.user,
                purpose=form.cleaned_data["purpose"],
                **form.series_kwargs(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            skipped = "、".join(f"{s['date'][5:]}（{s['reason']}）" for s in series.skipped)
            messages.success(
                request,
                _("已创建 %(n)s 次预约。") % {"n": series.bookings.count()}
                + (_("跳过：%(s)s") % {"s": skipped} if skipped else ""),
            )
            return redirect("resources:resource_detail", pk=resource.pk)
    return render(request, "resources/series_form.html", {"resource": resource, "form": form})


@role_required(*STAFF_ROLES)
def grant_start(request):
    """Find a case by its number (MH2025-000123) and go to its grant page."""

    number = (request.GET.get("number") or "").strip()
    case = Case.objects.visible_to(request.user).filter(number=number).first() if number else None
    if case is None:
        messages.error(request, _("找不到编号为“%(n)s”的诉求（或您无权查看）。") % {"n": number})
        return redirect("resources:resource_list")
    return redirect("resources:case_grant", case_pk=case.pk)


@role_required(*STAFF_ROLES)
def case_grant(request, case_pk):

    case = get_case_for_user(request.user, case_pk)
    resources = Resource.objects.visible_to(request.user).active()
    groups = BookingGroup.objects.visible_to(request.user, roles=STAFF_ROLES)
    form = GrantForm(request.POST or None, resources=resources, groups=groups, initial={"kind": "booking"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        kwargs = {}
        if d["kind"] == "booking":
            kwargs = {
                "start": services.aware(d["date"], d["start_time"]),
                "end": services.aware(d["date"], d["end_time"]),
            }
        elif d["kind"] == "series":
            kwargs = {
                "series_kwargs": {
                    "weekdays": d["weekdays"],
                    "start_time": d["start_time"],
                    "end_time": d["end_time"],
                    "first_date": d["date"],
                    "last_date": d["last_date"],
                }
            }
        try:
            services.case_grant_resource(
                case=case,
                resource=d["resource"],
                user=d["user"],
                by=request.user,
                kind=d["kind"],
                note=d["note"],
                group=d["group"],
                resolve=d["resolve"],
                **kwargs,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied:
            form.add_error(None, _("您不能管理这个资源。"))
        else:
            messages.success(request, _("资源已批准，已记入诉求办理过程。"))
            try:
                return redirect(reverse("cases:case_detail", args=[case.pk]))
            except NoReverseMatch:  # cases pages not installed: back to the resources
                return redirect("resources:resource_list")
    return render(request, "resources/grant_form.html", {"case": case, "form": form})
