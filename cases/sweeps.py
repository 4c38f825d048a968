"""The periodic jobs over all cases (called by cases.tasks): deadline warnings and escalation, and archiving
resolved cases the resident never rated."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record
from notify.contact import contact_of

from . import deadlines
from .actions.base import K, S, _event, _notify, _now, notify_unit, supervisors_for
from .actions.workflow import case_archive
from .errors import CaseConflict
from .models import Case


def sweep_deadlines(*, now=None) -> dict:
    """Warn handlers at 80 % and escalate overdue cases to the supervising staff, once each.

    Each case is claimed with a conditional update (warned_at/escalated_at IS NULL) so two workers
    running the sweep never notify twice.
    """
    now = now or _now()
    warned = escalated = 0
    clock = Case.objects.filter(status__in=Case.CLOCK_STATUSES, paused_at__isnull=True)
    for case in clock.filter(warn_at__lte=now, warned_at__isnull=True, due_at__gt=now).select_related("main_unit"):
        with transaction.atomic():
            if not Case.objects.filter(pk=case.pk, warned_at__isnull=True).update(warned_at=now):
                continue
            left = deadlines.time_left_words(case, now)
            _event(case, by=None, kind=K.WARNED, note=_("办理时限即将到期：%(left)s") % {"left": left}, is_public=False)
            notify_unit(
                case.main_unit,
                _("【民呼】诉求 %(number)s 即将到期：%(left)s") % {"number": case.number, "left": left},
                case=case,
                purpose="case.warning",
            )
            warned += 1
    for case in clock.filter(due_at__lte=now, escalated_at__isnull=True).select_related("main_unit", "region"):
        with transaction.atomic():
            if not Case.objects.filter(pk=case.pk, escalated_at__isnull=True).update(escalated_at=now):
                continue
            supervisors = supervisors_for(case)
            _event(
                case,
                by=None,
                kind=K.ESCALATED,
                is_public=False,
                note=_("已超过办理时限，已报送督办人员：%(names)s。")
                % {"names": "、".join(sorted(str(u) for u in supervisors)) or _("（未配置街道工作人员）")},
            )
            body = _("【民呼】诉求 %(number)s（%(unit)s）已超期，请督办：%(title)s") % {
                "number": case.number,
                "unit": case.main_unit or _("待派单"),
                "title": case.title,
            }
            for user in supervisors:
                _notify(contact_of(user), body, purpose="case.overdue", related=case)
            record(actor=None, action="cases.case.escalate", obj=case, region=case.region, detail={})
            escalated += 1
    return {"warned": warned, "escalated": escalated}


def archive_unrated(*, now=None, days: int = 7) -> int:
    """Resolved cases the resident has not rated within ``days`` are archived as 未回访 (honestly)."""
    now = now or _now()
    count = 0
    for case in Case.objects.filter(status=S.RESOLVED, resolved_at__lt=now - datetime.timedelta(days=days)):
        try:
            case_archive(case=case, by=None, note=_("办结后 %(d)d 天未能回访，按未回访归档。") % {"d": days})
        except CaseConflict:
            continue
        count += 1
    return count
