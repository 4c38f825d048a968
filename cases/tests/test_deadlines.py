"""Deadlines in working time across National Day 2025 (1–8 October off; Sunday 28 September and
Saturday 11 October are 调休 make-up workdays)."""

import datetime
import zoneinfo

from django.utils import timezone

from cases import deadlines
from cases.actions.workflow import case_pause
from cases.models import Case, CaseEvent, Category
from cases.sweeps import sweep_deadlines
from cases.tasks import sweep_case_deadlines
from notify.models import Message

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(month, day, hour=0, minute=0):
    return datetime.datetime(2025, month, day, hour, minute, tzinfo=SH)


def test_help_request_on_eve_of_national_day_is_due_after_the_holiday(db):
    repair = Category.objects.get(code="repair")
    # 30 Sep 10:00 + 5 working days: 14 h on 30 Sep, 9, 10, 11 (Saturday, make-up), 13 Oct, 10 h on 14 Oct
    assert deadlines.resolve_due(repair, "normal", at(9, 30, 10)) == at(10, 14, 10)
    assert deadlines.first_contact_due(repair, at(9, 30, 10)) == at(10, 9, 10)


def test_consultation_on_the_make_up_sunday_counts_that_sunday(db):
    legal = Category.objects.get(code="legal")
    assert deadlines.resolve_due(legal, "normal", at(9, 28, 9)) == at(9, 29, 9)


def test_urgent_and_complex_and_configurable(db):
    repair = Category.objects.get(code="repair")
    assert deadlines.resolve_due(repair, "critical", at(9, 30, 10)) == at(10, 9, 10)
    assert deadlines.resolve_due(repair, "normal", at(9, 30, 10), is_complex=True) == at(10, 28, 10)
    repair.resolve_days = 2
    assert deadlines.resolve_due(repair, "normal", at(9, 30, 10)) == at(10, 10, 10)


def test_warning_point_is_at_eighty_percent_of_working_time(db):
    # 5 working days = 120 h; 80 % = 96 h: 14 h (30 Sep) + 24 (9) + 24 (10) + 24 (11) + 10 h on 13 Oct
    assert deadlines.warn_point(at(9, 30, 10), at(10, 14, 10)) == at(10, 13, 10)


def test_pause_over_the_holiday_only_moves_the_deadline_by_working_time(db):
    case = Case(due_at=at(10, 14, 10), warn_at=at(10, 13, 10), first_contact_due_at=at(10, 9, 10))
    paused = deadlines.working_time_between(at(9, 30, 12), at(10, 9, 12))
    assert paused == datetime.timedelta(days=1)
    deadlines.shift_for_pause(case, paused)
    assert case.due_at == at(10, 15, 10) and case.first_contact_due_at == at(10, 10, 10)


def test_time_left_in_plain_words(db):
    case = Case(status="dispatched", due_at=at(10, 14, 10))
    assert deadlines.time_left_words(case, at(10, 1, 9)) == "还剩 4 个工作日 10 小时（10月14日 10:00 前办结）。"
    assert deadlines.time_left_words(case, at(10, 14, 13)) == "已超期 3 小时。"
    case.paused_at = at(10, 13, 10)
    assert deadlines.time_left_words(case, at(10, 13, 11)).startswith("计时已暂停（等待居民），恢复后还剩 1 个工作日")


def test_sweep_warns_once_then_escalates_once_to_supervising_staff(world, users, make_case, routed):
    users["worker"].phone = "13900000001"
    users["worker"].save()
    users["staff"].phone = "13900000002"
    users["staff"].save()
    case = make_case()
    first = sweep_deadlines(now=case.warn_at + datetime.timedelta(minutes=1))
    again = sweep_deadlines(now=case.warn_at + datetime.timedelta(minutes=2))
    assert first == {"warned": 1, "escalated": 0} and again == {"warned": 0, "escalated": 0}
    assert Message.objects.get(purpose="case.warning").to == "13900000001"
    late = sweep_deadlines(now=case.due_at + datetime.timedelta(minutes=1))
    assert late["escalated"] == 1
    assert sweep_deadlines(now=case.due_at + datetime.timedelta(hours=1))["escalated"] == 0
    overdue_msg = Message.objects.get(purpose="case.overdue")
    assert overdue_msg.to == "13900000002" and case.number in overdue_msg.body
    assert case.events.filter(kind=CaseEvent.Kind.ESCALATED, note__contains="赵磊").exists()
    # staff of the other subdistrict are not told
    assert not Message.objects.filter(purpose="case.overdue").exclude(to_masked__startswith="139****0002").exists()


def test_paused_case_is_not_escalated(users, make_case, routed):
    case = make_case()
    case_pause(case=case, by=users["worker"], reason="等待居民在家")
    assert sweep_deadlines(now=case.due_at + datetime.timedelta(days=3))["escalated"] == 0


def test_periodic_task_runs_the_sweep(make_case, routed):
    case = make_case()
    Case.objects.filter(pk=case.pk).update(warn_at=timezone.now() - datetime.timedelta(minutes=1))
    sweep_case_deadlines()
    case.refresh_from_db()
    assert case.warned_at is not None
