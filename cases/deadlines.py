"""Deadline arithmetic for cases, in working time on the statutory calendar (lib.workdays).

Who relies on this: ``cases.actions`` (setting and moving deadlines), the sweep in
``cases.tasks`` (80 % warnings) and the case page ("还剩 2 个工作日 3 小时").
"""

import datetime

from django.utils.translation import gettext as _

from lib.workdays import add_working_time, working_time_between

WARN_FRACTION = 0.8


def first_contact_due(category, start: datetime.datetime) -> datetime.datetime:
    return add_working_time(start, days=category.first_contact_days)


def resolve_due(category, urgency: str, start: datetime.datetime, *, is_complex: bool = False) -> datetime.datetime:
    return add_working_time(start, days=category.resolve_days_for(urgency, is_complex=is_complex))


def warn_point(start: datetime.datetime, due: datetime.datetime) -> datetime.datetime:
    """The moment 80 % of the working time between start and due is used."""
    allowed = working_time_between(start, due)
    if allowed <= datetime.timedelta(0):
        # due_minutes deadlines (wall clock) or a deadline already past: warn at 80 % of wall time
        return start + (due - start) * WARN_FRACTION
    return add_working_time(start, minutes=int(allowed.total_seconds() * WARN_FRACTION // 60))


def set_deadline(case, *, start: datetime.datetime, due: datetime.datetime) -> list[str]:
    """Put a new resolution deadline on ``case`` (in memory); returns the fields changed."""
    case.due_at = due
    case.warn_at = warn_point(start, due)
    case.warned_at = None
    case.escalated_at = None
    return ["due_at", "warn_at", "warned_at", "escalated_at"]


def shift_for_pause(case, paused: datetime.timedelta) -> list[str]:
    """Push every running deadline by the working time the clock was paused."""
    minutes = max(int(paused.total_seconds() // 60), 0)
    changed = []
    for field in ("due_at", "warn_at", "first_contact_due_at"):
        value = getattr(case, field)
        if value is not None and not (field == "first_contact_due_at" and case.first_contacted_at):
            setattr(case, field, add_working_time(value, minutes=minutes))
            changed.append(field)
    return changed


def _duration_words(delta: datetime.timedelta) -> str:
    """Working time as 'N 个工作日 M 小时' (a working day is a whole calendar day that counts)."""
    total_minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d 个工作日") % {"n": days})
    if hours:
        parts.append(_("%(n)d 小时") % {"n": hours})
    if not days and not hours:
        parts.append(_("%(n)d 分钟") % {"n": max(minutes, 1)})
    return " ".join(parts)


def time_left_words(case, now: datetime.datetime) -> str:
    """What the case page says about its deadline, in plain words."""
    if case.status in (case.Status.CANCELLED, case.Status.MERGED):
        return ""
    if case.resolved_at and case.status not in case.CLOCK_STATUSES:
        if case.due_at and case.resolved_at > case.due_at:
            late = working_time_between(case.due_at, case.resolved_at)
            return _("已办结，超出时限 %(t)s。") % {"t": _duration_words(late)}
        return _("已按时办结。")
    if case.due_at is None:
        return ""
    if case.paused_at:
        left = working_time_between(case.paused_at, case.due_at)
        return _("计时已暂停（等待居民），恢复后还剩 %(t)s。") % {"t": _duration_words(left)}
    left = working_time_between(now, case.due_at)
    if left < datetime.timedelta(0):
        return _("已超期 %(t)s。") % {"t": _duration_words(-left)}
    local_due = case.due_at.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    return _("还剩 %(t)s（%(due)s 前办结）。") % {
        "t": _duration_words(left),
        "due": f"{local_due:%m月%d日 %H:%M}",
    }
