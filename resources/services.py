"""State changes of resources and bookings. Views, API, tasks and the case workflow call these.

Every function takes the actor (``by=``) and, where time matters, ``now=`` (defaults to the clock),
so rules and sweeps can be tested on a controlled clock.

No double booking, two layers:
1. ``_assert_free`` looks for holding bookings (confirmed, checked in) whose range
   ``[start, blocked_until)`` overlaps the candidate's, buffer included, and answers in Chinese.
2. The row is saved in a savepoint. On PostgreSQL the exclusion constraint ``booking_no_overlap``
   catches the race where two transactions passed step 1 together; the loser gets the same
   message. On SQLite ``transaction_mode=IMMEDIATE`` takes the write lock at BEGIN, so step 1 and
   the insert of two transactions cannot interleave.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from cases.actions.workflow import case_dispatch, case_log, case_resolve
from cases.models import Case
from lib.workdays import is_workday
from notify.contact import address_of
from notify.models import Message
from notify.services import send
from org.models import User

from .models import Booking, BookingGroup, BookingSeries, Resource, ResourceGrant, WaitlistEntry
from .selectors import aware, closed_reason, is_manager, is_person_of, local, may_book, opening_windows


def _taken_message(resource: Resource) -> str:
    if resource.buffer_minutes:
        return _("该时段已被他人预约（两次预约之间需间隔 %(m)s 分钟），请选择其他时段，或加入候补。") % {
            "m": resource.buffer_minutes
        }
    return _("该时段已被他人预约，请选择其他时段，或加入候补。")


def _notify(user, body: str, *, related=None, purpose: str = "resources") -> Message:
    """Message a person the way notify.contact reaches them (text, else e-mail, else the site outbox)."""
    to, channel = address_of(user)
    subject = _("共享资源预约") if channel == Message.Channel.EMAIL else ""
    return send(to=to, body=body, channel=channel, subject=subject, purpose=purpose, related=related)


def _when(booking_or_entry) -> str:
    s, e = local(booking_or_entry.start), local(booking_or_entry.end)
    return f"{s:%m月%d日 %H:%M}–{e:%H:%M}"


# Rules ------------------------------------------------------------------------------------------


def check_rules(
    *,
    resource: Resource,
    user: User,
    start: datetime.datetime,
    end: datetime.datetime,
    now: datetime.datetime,
    manager: bool,
    exclude_pk: int | None = None,
) -> None:
    """Raise ValidationError (all reasons, in Chinese) when ``user`` may not book [start, end).

    Managers booking for someone skip the personal rules (notice, how far ahead, quota, who may
    book) but never the opening hours, closed dates, duration or overlap.
    """
    errors = []
    if start >= end:
        raise ValidationError(_("结束时间必须晚于开始时间。"))
    ls, le = local(start), local(end)
    minutes = (end - start).total_seconds() / 60
    if minutes < resource.min_minutes:
        errors.append(_("每次至少预约 %(n)s 分钟。") % {"n": resource.min_minutes})
    if minutes > resource.max_minutes:
        errors.append(_("每次最多预约 %(n)s 分钟。") % {"n": resource.max_minutes})
    if ls.date() != le.date() and le.time() != datetime.time.min:
        errors.append(_("预约不能跨天。"))
    day = ls.date()
    reason = closed_reason(resource, day)
    if reason:
        errors.append(_("%(day)s 不开放（%(reason)s）。") % {"day": f"{day:%m月%d日}", "reason": reason})
    elif not any(o <= start and end <= c for o, c in opening_windows(resource, day)):
        hours = "、".join(f"{local(o):%H:%M}–{local(c):%H:%M}" for o, c in opening_windows(resource, day))
        errors.append(_("请在开放时间内预约（当日开放 %(hours)s）。") % {"hours": hours})
    if start < now:
        errors.append(_("不能预约已经过去的时间。"))
    if not manager:
        if not may_book(user, resource):
            errors.append(_("该资源仅向指定人员开放，您暂不能预约。如有需要请联系管理人员。"))
        if start >= now and start < now + datetime.timedelta(minutes=resource.min_notice_minutes):
            errors.append(_("请至少提前 %(n)s 分钟预约。") % {"n": resource.min_notice_minutes})
        if day > local(now).date() + datetime.timedelta(days=resource.max_days_ahead):
            errors.append(_("最多只能提前 %(n)s 天预约。") % {"n": resource.max_days_ahead})
        if resource.weekly_quota_minutes:
            week_start = aware(day - datetime.timedelta(days=day.weekday()), datetime.time.min)
            used = _minutes_booked(resource, user, week_start, week_start + datetime.timedelta(days=7), exclude_pk)
            if used + minutes > resource.weekly_quota_minutes:
                errors.append(
                    _("每人每周最多预约 %(quota)s 分钟，您本周已预约 %(used)s 分钟。")
                    % {"quota": resource.weekly_quota_minutes, "used": int(used)}
                )
    if errors:
        raise ValidationError(errors)


def _minutes_booked(resource, user, since, until, exclude_pk=None) -> float:
    rows = Booking.objects.filter(
        resource=resource, user=user, status__in=Booking.ACTIVE_STATUSES, start__gte=since, start__lt=until
    ).exclude(pk=exclude_pk)
    return sum((b.end - b.start).total_seconds() / 60 for b in rows)


def _assert_free(resource: Resource, start, blocked_until, *, exclude_pk=None, for_user=None, now=None) -> None:
    clash = Booking.objects.holding().filter(resource=resource).overlapping(start, blocked_until).exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(_taken_message(resource))
    if now is not None:
        offers = WaitlistEntry.objects.filter(
            resource=resource,
            status=WaitlistEntry.Status.OFFERED,
            offer_expires_at__gt=now,
            start__lt=blocked_until,
            end__gt=start,
        )
        if for_user is not None:
            offers = offers.exclude(user=for_user)
        offer = offers.first()
        if offer:
            raise ValidationError(
                _("该时段正为候补者保留至 %(t)s，请稍后再试或选择其他时段。")
                % {"t": f"{local(offer.offer_expires_at):%H:%M}"}  # type: ignore[arg-type]  # offered: has an expiry
            )


def _save_holding(booking: Booking, *, fields=None) -> None:
    """Save a booking that holds its slot; a lost race on PostgreSQL becomes the Chinese message."""
    try:
        with transaction.atomic():
            booking.save(update_fields=fields) if fields else booking.save()
    except IntegrityError as exc:
        if "booking_no_overlap" in str(exc):
            raise ValidationError(_taken_message(booking.resource)) from exc
        raise


# Bookings ---------------------------------------------------------------------------------------


def _check_person(user, resource: Resource, by) -> None:
    """A manager books only for people of the resource's subdistrict (or its allowed regions and groups)."""
    if user != by and not is_person_of(user, resource):
        raise ValidationError(_("只能为本辖区的居民预约或授予资源。"))


@transaction.atomic
def booking_create(
    *,
    resource: Resource,
    user: User,
    start: datetime.datetime,
    end: datetime.datetime,
    by: User,
    purpose: str = "",
    attendees: int = 1,
    now: datetime.datetime | None = None,
    series: BookingSeries | None = None,
    _from_offer: WaitlistEntry | None = None,
) -> Booking:
    """Book [start, end) for ``user``. Confirmed at once unless the resource needs approval (then
    pending). Raises ValidationError with every broken rule, or the slot-taken message."""
    now = now or timezone.now()
    prefetch_related_objects([resource], "hours", "closed", "allowed_groups", "allowed_regions")
    manager = is_manager(by, resource)
    if user != by and not manager:
        raise PermissionDenied
    _check_person(user, resource, by)
    check_rules(resource=resource, user=user, start=start, end=end, now=now, manager=manager)
    if attendees > resource.capacity:
        raise ValidationError(_("人数超过容纳上限（%(n)s 人）。") % {"n": resource.capacity})
    mine = Booking.objects.filter(resource=resource, user=user, status__in=Booking.ACTIVE_STATUSES)
    if mine.overlapping(start, end).exists():
        raise ValidationError(_("您在该时段已有预约或申请。"))
    blocked_until = end + resource.buffer
    _assert_free(resource, start, blocked_until, for_user=user, now=now)
    status = Booking.Status.PENDING if resource.requires_approval and not manager else Booking.Status.CONFIRMED
    booking = Booking(
        resource=resource,
        user=user,
        series=series,
        start=start,
        end=end,
        blocked_until=blocked_until,
        status=status,
        purpose=purpose,
        attendees=attendees,
        created_by=by,
        created_at=now,
    )
    if status == Booking.Status.PENDING:
        booking.save()
    else:
        _save_holding(booking)
    record(
        actor=by,
        action="resources.booking.create",
        obj=booking,
        region=resource.region,
        detail={"status": status, "resource": resource.name, "when": _when(booking)},
    )
    if status == Booking.Status.CONFIRMED and series is None:
        _notify(
            user,
            _("【民呼】您预约的%(r)s %(w)s 已确认。") % {"r": resource.name, "w": _when(booking)},
            related=booking,
            purpose="resources.confirmed",
        )
    return booking


def _lock(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related("resource", "user").get(pk=booking.pk)


@transaction.atomic
def booking_confirm(*, booking: Booking, by: User, note: str = "", now: datetime.datetime | None = None) -> Booking:
    """Approve a pending request; the pending requests it overlaps are rejected with a message."""
    now = now or timezone.now()
    booking = _lock(booking)
    if not is_manager(by, booking.resource):
        raise PermissionDenied
    if booking.status != Booking.Status.PENDING:
        raise ValidationError(_("该申请已处理（当前状态：%(s)s）。") % {"s": booking.get_status_display()})
    _assert_free(booking.resource, booking.start, booking.blocked_until, exclude_pk=booking.pk)
    booking.status = Booking.Status.CONFIRMED
    booking.decided_by, booking.decided_at, booking.decision_note = by, now, note
    _save_holding(booking, fields=["status", "decided_by", "decided_at", "decision_note"])
    record(actor=by, action="resources.booking.confirm", obj=booking, region=booking.resource.region)
    _notify(
        booking.user,
        _("【民呼】您申请的%(r)s %(w)s 已通过审批。") % {"r": booking.resource.name, "w": _when(booking)},
        related=booking,
        purpose="resources.confirmed",
    )
    losers = (
        Booking.objects.select_for_update()
        .filter(resource=booking.resource, status=Booking.Status.PENDING)
        .overlapping(booking.start, booking.blocked_until)
        .exclude(pk=booking.pk)
        .select_related("user", "resource")
    )
    for other in losers:
        other.status = Booking.Status.REJECTED
        other.decided_by, other.decided_at = by, now
        other.decision_note = _("该时段已安排给其他申请人。")
        other.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        record(
            actor=by,
            action="resources.booking.reject",
            obj=other,
            region=other.resource.region,
            detail={"reason": "overlap"},
        )
        _notify(
            other.user,
            _("【民呼】很抱歉，您申请的%(r)s %(w)s 已安排给其他申请人，请另选时段。")
            % {"r": other.resource.name, "w": _when(other)},
            related=other,
            purpose="resources.rejected",
        )
    return booking


@transaction.atomic
def booking_reject(*, booking: Booking, by: User, note: str, now: datetime.datetime | None = None) -> Booking:
    now = now or timezone.now()
    booking = _lock(booking)
    if not is_manager(by, booking.resource):
        raise PermissionDenied
    if booking.status != Booking.Status.PENDING:
        raise ValidationError(_("该申请已处理（当前状态：%(s)s）。") % {"s": booking.get_status_display()})
    if not (note or "").strip():
        raise ValidationError(_("请填写不通过的原因，系统会告知申请人。"))
    booking.status, booking.decided_by, booking.decided_at, booking.decision_note = (
        Booking.Status.REJECTED,
        by,
        now,
        note.strip(),
    )
    booking.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    record(actor=by, action="resources.booking.reject", obj=booking, region=booking.resource.region)
    _notify(
        booking.user,
        _("【民呼】您申请的%(r)s %(w)s 未通过：%(n)s")
        % {"r": booking.resource.name, "w": _when(booking), "n": booking.decision_note},
        related=booking,
        purpose="resources.rejected",
    )
    return booking


@transaction.atomic
def booking_cancel(*, booking: Booking, by: User, now: datetime.datetime | None = None) -> Booking:
    """The booker or a manager cancels; a freed slot goes to the waitlist."""
    now = now or timezone.now()
    booking = _lock(booking)
    if booking.user != by and not is_manager(by, booking.resource):
        raise PermissionDenied
    if booking.status not in (Booking.Status.PENDING, Booking.Status.CONFIRMED):
        raise ValidationError(_("该预约当前不能取消（状态：%(s)s）。") % {"s": booking.get_status_display()})
    was_holding = booking.is_holding
    booking.status, booking.ended_at = Booking.Status.CANCELLED, now
    booking.save(update_fields=["status", "ended_at"])
    record(actor=by, action="resources.booking.cancel", obj=booking, region=booking.resource.region)
    if was_holding:
        offer_freed_slot(resource=booking.resource, start=max(booking.start, now), end=booking.end, now=now)
    return booking


@transaction.atomic
def booking_check_in(*, booking: Booking, by: User, now: datetime.datetime | None = None) -> Booking:
    """Check in from 15 minutes before the start until the grace period ends."""
    now = now or timezone.now()
    booking = _lock(booking)
    if booking.user != by and not is_manager(by, booking.resource):
        raise PermissionDenied
    if booking.status != Booking.Status.CONFIRMED:
        raise ValidationError(_("该预约当前不能签到（状态：%(s)s）。") % {"s": booking.get_status_display()})
    if now < booking.start - datetime.timedelta(minutes=15):
        raise ValidationError(_("开始前 15 分钟起才能签到。"))
    if now >= booking.end:
        raise ValidationError(_("预约时段已结束，不能签到。"))
    booking.status, booking.checked_in_at = Booking.Status.CHECKED_IN, now
    booking.save(update_fields=["status", "checked_in_at"])
    record(actor=by, action="resources.booking.check_in", obj=booking, region=booking.resource.region)
    return booking


@transaction.atomic
def booking_release(*, booking: Booking, by: User, now: datetime.datetime | None = None) -> Booking:
    """Give back the rest of a checked-in slot (提前归还); the remainder goes to the waitlist."""
    now = now or timezone.now()
    booking = _lock(booking)
    if booking.user != by and not is_manager(by, booking.resource):
        raise PermissionDenied
    if booking.status != Booking.Status.CHECKED_IN:
        raise ValidationError(_("只有已签到的预约可以提前归还。"))
    booking.status, booking.ended_at = Booking.Status.RELEASED, now
    booking.save(update_fields=["status", "ended_at"])
    record(actor=by, action="resources.booking.release", obj=booking, region=booking.resource.region)
    if now < booking.end:
        offer_freed_slot(resource=booking.resource, start=now, end=booking.end, now=now)
    return booking


def release_no_shows(*, now: datetime.datetime | None = None) -> int:
    """Mark confirmed bookings not checked in within the grace period as no-shows, freeing their
    slots for the waitlist. Each row is a conditional update, so two sweeps never double-release."""
    now = now or timezone.now()
    released = 0
    started = Booking.objects.filter(status=Booking.Status.CONFIRMED, start__lte=now).select_related("resource")
    for booking in started:
        if booking.start + datetime.timedelta(minutes=booking.resource.checkin_grace_minutes) > now:
            continue
        with transaction.atomic():
            won = Booking.objects.filter(pk=booking.pk, status=Booking.Status.CONFIRMED).update(
                status=Booking.Status.NO_SHOW, ended_at=now
            )
            if not won:
                continue
            released += 1
            record(actor=None, action="resources.booking.no_show", obj=booking, region=booking.resource.region)
            _notify(
                booking.user,
                _("【民呼】您预约的%(r)s %(w)s 超过 %(g)s 分钟未签到，已自动释放。")
                % {"r": booking.resource.name, "w": _when(booking), "g": booking.resource.checkin_grace_minutes},
                related=booking,
                purpose="resources.no_show",
            )
            if now < booking.end:
                offer_freed_slot(resource=booking.resource, start=now, end=booking.end, now=now)
    return released


# Waitlist ---------------------------------------------------------------------------------------


@transaction.atomic
def waitlist_join(
    *,
    resource: Resource,
    user: User,
    start: datetime.datetime,
    end: datetime.datetime,
    by: User,
    purpose: str = "",
    now: datetime.datetime | None = None,
) -> WaitlistEntry:
    now = now or timezone.now()
    if user != by and not is_manager(by, resource):
        raise PermissionDenied
    if not may_book(user, resource):
        raise ValidationError(_("该资源仅向指定人员开放，您暂不能预约。如有需要请联系管理人员。"))
    if start >= end or start < now:
        raise ValidationError(_("请选择一个尚未开始的时段。"))
    if (
        _is_free(resource, start, end)
        and not WaitlistEntry.objects.filter(
            resource=resource,
            status=WaitlistEntry.Status.OFFERED,
            offer_expires_at__gt=now,
            start__lt=end,
            end__gt=start,
        ).exists()
    ):
        raise ValidationError(_("该时段现在空闲，可以直接预约。"))
    if WaitlistEntry.objects.filter(
        resource=resource,
        user=user,
        start=start,
        end=end,
        status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED],
    ).exists():
        raise ValidationError(_("您已在该时段的候补名单中。"))
    entry = WaitlistEntry.objects.create(
        resource=resource, user=user, start=start, end=end, purpose=purpose, created_at=now
    )
    record(actor=by, action="resources.waitlist.join", obj=entry, region=resource.region)
    return entry


def _is_free(resource, start, end) -> bool:
    return not Booking.objects.holding().filter(resource=resource).overlapping(start, end + resource.buffer).exists()


@transaction.atomic
def offer_freed_slot(
    *, resource: Resource, start: datetime.datetime, end: datetime.datetime, now: datetime.datetime | None = None
) -> WaitlistEntry | None:
    """Offer a freed range to the first waiting person whose wanted slot now fits; they have
    ``offer_minutes`` to take it (notified). Returns the offered entry or None."""
    now = now or timezone.now()
    waiting = (
        WaitlistEntry.objects.select_for_update()
        .filter(resource=resource, status=WaitlistEntry.Status.WAITING, start__gte=now, start__lt=end, end__gt=start)
        .select_related("user")
        .order_by("created_at", "id")
    )
    for entry in waiting:
        if not _is_free(resource, entry.start, entry.end):
            continue
        if WaitlistEntry.objects.filter(
            resource=resource,
            status=WaitlistEntry.Status.OFFERED,
            offer_expires_at__gt=now,
            start__lt=entry.end,
            end__gt=entry.start,
        ).exists():
            continue
        entry.status = WaitlistEntry.Status.OFFERED
        entry.offered_at = now
        entry.offer_expires_at = now + datetime.timedelta(minutes=resource.offer_minutes)
        entry.save(update_fields=["status", "offered_at", "offer_expires_at"])
        _notify(
            entry.user,
            _("【民呼】您候补的%(r)s %(w)s 有空位了，请在 %(t)s 前登录“我的预约”确认，逾期将让给下一位。")
            % {"r": resource.name, "w": _when(entry), "t": f"{local(entry.offer_expires_at):%H:%M}"},
            related=entry,
            purpose="resources.waitlist_offer",
        )
        return entry
    return None


@transaction.atomic
def waitlist_accept(*, entry: WaitlistEntry, by: User, now: datetime.datetime | None = None) -> Booking:
    now = now or timezone.now()
    entry = WaitlistEntry.objects.select_for_update().select_related("resource", "user").get(pk=entry.pk)
    if entry.user != by:
        raise PermissionDenied
    if entry.status != WaitlistEntry.Status.OFFERED or entry.offer_expires_at <= now:  # type: ignore[operator]  # offered: has an expiry
        raise ValidationError(_("该候补通知已失效。"))
    booking = booking_create(
        resource=entry.resource,
        user=entry.user,
        start=entry.start,
        end=entry.end,
        by=by,
        purpose=entry.purpose,
        now=now,
    )
    entry.status, entry.booking = WaitlistEntry.Status.ACCEPTED, booking
    entry.save(update_fields=["status", "booking"])
    return booking


@transaction.atomic
def waitlist_cancel(*, entry: WaitlistEntry, by: User, now: datetime.datetime | None = None) -> WaitlistEntry:
    now = now or timezone.now()
    entry = WaitlistEntry.objects.select_for_update().select_related("resource").get(pk=entry.pk)
    if entry.user != by and not is_manager(by, entry.resource):
        raise PermissionDenied
    if entry.status not in (WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED):
        raise ValidationError(_("该候补已结束。"))
    was_offered = entry.status == WaitlistEntry.Status.OFFERED
    entry.status = WaitlistEntry.Status.CANCELLED
    entry.save(update_fields=["status"])
    if was_offered:
        offer_freed_slot(resource=entry.resource, start=entry.start, end=entry.end, now=now)
    return entry


def expire_offers(*, now: datetime.datetime | None = None) -> int:
    """Offers not taken in time lapse; the slot goes to the next person waiting."""
    now = now or timezone.now()
    expired = 0
    for entry in WaitlistEntry.objects.filter(status=WaitlistEntry.Status.OFFERED, offer_expires_at__lte=now):
        with transaction.atomic():
            if WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistEntry.Status.OFFERED).update(
                status=WaitlistEntry.Status.EXPIRED
            ):
                expired += 1
                offer_freed_slot(resource=entry.resource, start=entry.start, end=entry.end, now=now)
    return expired


# Recurring series -------------------------------------------------------------------------------


@transaction.atomic
def series_create(
    *,
    resource: Resource,
    user: User,
    weekdays: Iterable[int],
    start_time: datetime.time,
    end_time: datetime.time,
    first_date: datetime.date,
    last_date: datetime.date,
    by: User,
    purpose: str = "",
    group: BookingGroup | None = None,
    skip_conflicts: bool = False,
    follows_workdays: bool = False,
    now: datetime.datetime | None = None,
) -> BookingSeries:
    """A manager books a weekly pattern for a term (每周一至五 16:30–18:00).

    1. Every matching date from ``first_date`` to ``last_date`` is considered.
    2. Closed dates, statutory holidays (when the resource closes on them) and days without
       opening hours at that time are skipped and listed in ``series.skipped`` — a 调休 Saturday is
       not added: the pattern is by weekday. With ``follows_workdays`` the pattern is the
       statutory working days instead (``lib.workdays``): 调休 Saturdays in, holidays out.
    3. Dates already held by someone else: the whole series is refused with the list of dates,
       unless ``skip_conflicts`` (then they are skipped and listed too).
    4. The rest become confirmed bookings, all in this transaction.
    """
    now = now or timezone.now()
    if not is_manager(by, resource):
        raise PermissionDenied
    _check_person(user, resource, by)
    weekdays = [0, 1, 2, 3, 4] if follows_workdays else sorted({int(d) for d in weekdays})
    if not weekdays:
        raise ValidationError(_("请至少选择一个星期几。"))
    if first_date > last_date:
        raise ValidationError(_("末日不能早于首日。"))
    if (last_date - first_date).days > 366:
        raise ValidationError(_("周期预约最长一年。"))
    if start_time >= end_time:
        raise ValidationError(_("结束时间必须晚于开始时间。"))
    series = BookingSeries.objects.create(
        resource=resource,
        user=user,
        group=group,
        weekdays=weekdays,
        follows_workdays=follows_workdays,
        start_time=start_time,
        end_time=end_time,
        first_date=first_date,
        last_date=last_date,
        purpose=purpose,
        created_by=by,
    )
    skipped, conflicts, made = [], [], 0
    day = first_date
    while day <= last_date:
        if is_workday(day) if follows_workdays else day.weekday() in weekdays:
            start, end = aware(day, start_time), aware(day, end_time)
            reason = closed_reason(resource, day)
            if reason is None and not any(o <= start and end <= c for o, c in opening_windows(resource, day)):
                reason = _("不在开放时间")
            if reason is None and start < now:
                reason = _("已过去")
            if reason is None and not _is_free(resource, start, end):
                if not skip_conflicts:
                    conflicts.append(f"{day:%m月%d日}")
                    day += datetime.timedelta(days=1)
                    continue
                reason = _("已被占用")
            if reason:
                skipped.append({"date": day.isoformat(), "reason": str(reason)})
            else:
                booking_create(
                    resource=resource, user=user, start=start, end=end, by=by, purpose=purpose, now=now, series=series
                )
                made += 1
        day += datetime.timedelta(days=1)
    if conflicts:
        raise ValidationError(
            _("以下日期该时段已被占用：%(d)s。可勾选“跳过已被占用的日期”后再提交。") % {"d": "、".join(conflicts)}
        )
    if not made:
        raise ValidationError(_("所选日期内没有可预约的日子。"))
    series.skipped = skipped
    series.save(update_fields=["skipped"])
    record(
        actor=by,
        action="resources.series.create",
        obj=series,
        region=resource.region,
        detail={"bookings": made, "skipped": len(skipped)},
    )
    _notify(
        user,
        _("【民呼】已为您预约%(r)s：%(s)s，共 %(n)s 次。") % {"r": resource.name, "s": series.pattern, "n": made},
        related=series,
        purpose="resources.series",
    )
    return series


# Group membership (standing permission) ----------------------------------------------------------


@transaction.atomic
def group_add_member(*, group: BookingGroup, user: User, by: User) -> None:
    group.members.add(user)
    record(
        actor=by, action="resources.group.add_member", obj=group, region=group.region, detail={"user": user.username}
    )


# Resolving a 资源链接 case by granting a resource ---------------------------------------------------


@transaction.atomic
def case_grant_resource(
    *,
    case: Case,
    resource: Resource,
    user: User,
    by: User,
    kind: str,
    note: str = "",
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    series_kwargs: dict[str, Any] | None = None,
    group: BookingGroup | None = None,
    resolve: bool = True,
    now: datetime.datetime | None = None,
) -> ResourceGrant:
    """Grant ``user`` a resource to answer ``case``: one booking, a recurring series, or a standing
    permission (membership of a booking group). The case timeline shows it ("资源已批准 …") and,
    with ``resolve``, the case is resolved (办结) in the same transaction.

    1. the grant itself through the ordinary services (rules, overlap, notifications);
    2. a ResourceGrant row linking case, resource, person and what was granted;
    3. ``cases.actions.workflow.case_log`` then (optionally) ``case_resolve`` — the cases app checks that
       ``by`` may handle the case; any refusal rolls the whole grant back.
    """

    now = now or timezone.now()
    if not is_manager(by, resource):
        raise PermissionDenied
    _check_person(user, resource, by)
    grant = ResourceGrant(case=case, resource=resource, user=user, kind=kind, note=note, granted_by=by, granted_at=now)
    if kind == ResourceGrant.Kind.BOOKING:
        if not (start and end):
            raise ValidationError(_("请填写预约的开始和结束时间。"))
        grant.booking = booking_create(
            resource=resource, user=user, start=start, end=end, by=by, purpose=note or case.title, now=now
        )
        what = _("预约 %(w)s") % {"w": _when(grant.booking)}
    elif kind == ResourceGrant.Kind.SERIES:
        grant.series = series_create(
            resource=resource, user=user, by=by, now=now, purpose=note or case.title, **(series_kwargs or {})
        )
        what = _("周期预约 %(s)s，共 %(n)s 次") % {"s": grant.series.pattern, "n": grant.series.bookings.count()}
    elif kind == ResourceGrant.Kind.MEMBERSHIP:
        group = group or resource.allowed_groups.first()
        if group is None:
            raise ValidationError(_("该资源没有限定群组，无需授予长期使用资格；请改为预约。"))
        group_add_member(group=group, user=user, by=by)
        grant.group = group
        what = _("长期使用资格（加入“%(g)s”）") % {"g": group.name}
    else:
        raise ValidationError(_("未知的资源链接方式。"))
    grant.save()
    text = _("资源已批准：%(r)s，%(what)s，使用人 %(u)s。") % {"r": resource.name, "what": what, "u": str(user)}
    if note:
        text += note
    case_log(case=case, by=by, note=text, data={"resource": resource.pk, "grant": grant.pk, "kind": kind})
    if resolve:
        if case.status == case.Status.NEW:
            # Not yet dispatched: the member of staff granting the resource takes it for their unit.

            unit = next((m.unit for m in by.memberships.select_related("unit") if m.unit_id), None)
            if unit is None:
                raise ValidationError(_("这件诉求尚未派单，请先派单后再办结。"))
            case_dispatch(case=case, unit=unit, by=by)
        case_resolve(case=case, by=by, note=text)
    record(actor=by, action="resources.grant.create", obj=grant, region=resource.region, detail={"case": case.pk})
    return grant
