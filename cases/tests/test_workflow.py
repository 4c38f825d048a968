"""The workflow from intake to the resident's verdict, and every exceptional path."""

import pytest
from django.db import connection

from audit.models import AuditEntry
from cases.actions import intake as intake_actions
from cases.actions.consent import consent_record, consent_round_close, consent_round_open
from cases.actions.intake import case_create, case_create_many
from cases.actions.requests import (
    case_complex_decide,
    case_extension_decide,
    case_reassign,
    case_request_complex,
    case_request_extension,
    case_request_return,
    case_return_decide,
)
from cases.actions.supervision import case_supervise
from cases.actions.workflow import (
    case_accept,
    case_add_info,
    case_archive,
    case_cancel,
    case_contact,
    case_dispatch,
    case_log,
    case_merge,
    case_pause,
    case_resolve,
    case_start,
    case_visit,
)
from cases.errors import CaseConflict, CaseError
from cases.models import Case, CaseEvent, CaseRequest, Category, RoutingRule
from cases.selectors import cases_for_source
from lib.workdays import working_time_between
from notify.models import Message
from org.actors import RESIDENT
from org.models import Membership, Role, Unit

K = CaseEvent.Kind


def kinds(case):
    return list(case.events.values_list("kind", flat=True))


def test_case_gets_a_number_a_timeline_and_an_audit_entry(make_case):
    case = make_case(category="legal", title="遗产继承咨询")
    assert case.number.startswith("MH20") and case.number.endswith(f"{case.pk:06d}")
    assert case.status == Case.Status.NEW  # no routing rule: it waits in the inbox
    assert kinds(case) == [K.CREATED]
    assert AuditEntry.objects.filter(action="cases.case.create", object_id=str(case.pk)).exists()
    assert case.reporter_phone == "13812345678" and case.reporter_phone_masked == "138****5678"
    assert "13812345678" not in case.reporter_phone_encrypted


def test_reporter_is_told_the_case_number(make_case):
    case = make_case()
    message = Message.objects.get(purpose="case.created")
    assert case.number in message.body and message.to == "13812345678"


def test_same_idempotency_key_twice_creates_one_case(make_case):
    first = make_case(idempotency_key="partner-42")
    second = make_case(idempotency_key="partner-42", title="另一个标题")
    assert first.pk == second.pk and Case.objects.count() == 1


def test_case_create_says_whether_it_created_the_case_or_answered_with_the_first(world, users, categories):
    intake = {"title": "路灯不亮", "description": "蓬莱路", "region": world.penglai_grid, "channel": "api",
              "category": "repair", "by": users["worker"], "idempotency_key": "partner-43"}  # fmt: skip
    first, created = case_create(**intake)
    again, created_again = case_create(**{**intake, "title": "另一个标题"})
    assert created and not created_again and again == first and again.title == "路灯不亮"


def test_category_code_must_exist(make_case):
    with pytest.raises(CaseError, match="没有编码"):
        make_case(category="nonsense")


def test_routing_rule_dispatches_to_the_most_specific_unit(world, users, make_case, repair):
    RoutingRule.objects.create(category=None, region=world.laoximen, main_unit=world.laoximen_office)
    RoutingRule.objects.create(category=repair, region=world.penglai, main_unit=world.penglai_committee)
    repair_case = make_case()
    legal_case = make_case(category="legal")
    assert repair_case.status == "dispatched" and repair_case.main_unit == world.penglai_committee
    assert legal_case.main_unit == world.laoximen_office


def test_auto_dispatch_brings_the_rule_co_units_and_tells_the_unit_members(world, users, make_case, repair):
    # co-units in the units' own order (region path, then name); the main unit listed again is left out
    second = Unit.objects.create(name="蓬莱路物业", kind=Unit.Kind.PROPERTY_MANAGER, region=world.penglai)
    rule = RoutingRule.objects.create(category=repair, region=world.penglai, main_unit=world.penglai_committee)
    rule.co_units.set([second, world.partner_unit, world.penglai_committee])
    # members of the main unit: one with a phone, one with only an e-mail, one with neither
    worker = users["worker"]
    worker.phone = "13900000009"
    worker.save()
    for name, email in (("mailer", "mailer@example.org"), ("silent", "")):
        user = type(worker).objects.create(username=name, email=email)
        Membership.objects.create(user=user, region=world.penglai, role=Role.WORKER, unit=world.penglai_committee)
    case = make_case()
    assert case.status == "dispatched" and case.main_unit == world.penglai_committee
    assert set(case.co_units.all()) == {second, world.partner_unit}
    dispatched = case.events.get(kind="dispatched")
    assert dispatched.data["co_units"] == [world.partner_unit.name, second.name]  # 老西门 region before 蓬莱路
    told = Message.objects.filter(purpose="case.unit", related_id=str(case.pk)).order_by("pk")
    assert [(m.channel, m.to_masked[:3]) for m in told] == [("sms", "139"), ("email", "m**")]
    assert all(case.number in m.body for m in told)


def test_rule_without_auto_dispatch_only_suggests(world, make_case, repair):
    RoutingRule.objects.create(
        category=repair, region=world.penglai, main_unit=world.penglai_committee, auto_dispatch=False
    )
    case = make_case()
    assert case.status == "new" and case.suggested_unit == world.penglai_committee


def test_rule_whose_unit_was_switched_off_leaves_the_case_for_the_dispatcher(world, make_case, routed):
    world.penglai_committee.is_active = False
    world.penglai_committee.save()
    case = make_case()
    assert case.status == "new" and case.main_unit is None and case.suggested_unit == world.penglai_committee
    assert list(case.events.values_list("kind", flat=True)) == ["created"]


def test_full_happy_path_to_archive(world, users, make_case):
    staff, worker = users["staff"], users["worker"]
    case = make_case()
    case_dispatch(case=case, unit=world.penglai_committee, by=staff)
    case_accept(case=case, by=worker)
    case_contact(case=case, by=worker, note="已电话联系张阿姨，约定明天上门。")
    case_start(case=case, by=worker)
    case_resolve(case=case, by=worker, note="已更换楼道灯。")
    case_visit(case=case, by=worker, verdict=Case.Verdict.SATISFIED, note="很满意")
    case_archive(case=case, by=staff)
    case.refresh_from_db()
    assert case.status == "archived" and case.verdict == "satisfied"
    assert kinds(case) == [
        K.CREATED,
        K.DISPATCHED,
        K.ACCEPTED,
        K.CONTACTED,
        K.STARTED,
        K.RESOLVED,
        K.VISITED,
        K.ARCHIVED,
    ]
    assert case.version == 8
    assert Message.objects.filter(purpose="case.resolved").exists()


def test_archiving_without_a_verdict_says_not_visited(world, users, make_case, routed):
    case = make_case()
    case_resolve(case=case, by=users["worker"], note="已处理")
    case_archive(case=case, by=users["staff"])
    assert case.verdict == Case.Verdict.NOT_VISITED
    assert case.verdict_label == "未回访"


def test_unsatisfied_verdict_reopens_to_same_unit_with_shorter_deadline(world, users, make_case, routed):
    worker = users["worker"]
    worker.phone = "13900000001"
    worker.save()
    case = make_case()
    case_resolve(case=case, by=worker, note="已处理")
    case_visit(case=case, by=worker, verdict="unsatisfied", note="灯还是一闪一闪")
    case.refresh_from_db()
    assert case.status == "dispatched" and case.main_unit == world.penglai_committee
    assert case.rehandle_count == 1 and case.verdict == "" and case.resolved_at is None

    assert working_time_between(case.dispatched_at, case.due_at).days == 3
    handler_msg = Message.objects.get(purpose="case.rehandle")
    assert "灯还是一闪一闪" in handler_msg.body and handler_msg.to == "13900000001"
    assert case.satisfactions.get().verdict == "unsatisfied"


def test_unsatisfied_needs_the_reason(users, make_case, routed):
    case = make_case()
    case_resolve(case=case, by=users["worker"], note="已处理")
    with pytest.raises(CaseError, match="不满意的原因"):
        case_visit(case=case, by=users["worker"], verdict="unsatisfied")


def test_return_request_approved_goes_back_to_the_inbox(world, users, make_case, routed):
    case = make_case()
    request = case_request_return(case=case, by=users["worker"], reason_code="not_our_duty", reason="属于房管所职责")
    case_return_decide(request=request, by=users["staff"], approve=True, note="同意")
    case.refresh_from_db()
    assert case.status == "new" and case.main_unit is None
    request.refresh_from_db()
    assert request.state == CaseRequest.State.APPROVED and request.decided_by == users["staff"]


def test_return_request_rejected_keeps_the_unit(world, users, make_case, routed):
    case = make_case()
    request = case_request_return(case=case, by=users["worker"], reason_code="wrong_region", reason="不在本辖区")
    with pytest.raises(CaseError, match="理由"):
        case_return_decide(request=request, by=users["staff"], approve=False)
    case_return_decide(request=request, by=users["staff"], approve=False, note="地址在本居委")
    case.refresh_from_db()
    assert case.status == "dispatched" and case.main_unit == world.penglai_committee
    with pytest.raises(CaseConflict):
        case_return_decide(request=request, by=users["staff"], approve=True)


def test_reassign_moves_the_case(world, users, make_case, routed):
    case = make_case()
    case_accept(case=case, by=users["worker"])
    case_reassign(case=case, unit=world.laoximen_office, by=users["staff"], note="需街道协调")
    assert case.status == "dispatched" and case.main_unit == world.laoximen_office


def test_extension_request_and_approval_moves_the_deadline(users, make_case, routed):
    case = make_case()
    before = case.due_at
    request = case_request_extension(case=case, by=users["worker"], days=3, reason="等待配件")
    with pytest.raises(CaseError, match="等待审核"):
        case_request_extension(case=case, by=users["worker"], days=2, reason="再等")
    case_extension_decide(request=request, by=users["staff"], approve=True)

    assert working_time_between(before, case.due_at).days == 3


def test_complex_case_gets_fifteen_working_days_once_approved(users, make_case, routed):
    case = make_case()
    request = case_request_complex(case=case, by=users["worker"], reason="涉及多户管道改道")
    case_complex_decide(request=request, by=users["staff"], approve=True)

    assert case.is_complex and working_time_between(case.dispatched_at, case.due_at).days == 15


def test_supervision_notice_reaches_the_unit(world, users, make_case, routed):
    users["worker"].phone = "13900000001"
    users["worker"].save()
    case = make_case()
    case_supervise(case=case, by=users["staff"], note="请今天内联系居民")
    assert Message.objects.filter(purpose="case.supervise", body__contains="请今天内联系居民").exists()
    with pytest.raises(CaseError, match="权限"):
        case_supervise(case=case, by=users["worker"], note="督办")


def test_merge_keeps_every_reporter_informed(world, users, make_case, routed):
    master = make_case(title="粪管堵塞", reporter_phone="13800000001")
    dup = make_case(title="楼下粪管冒水", reporter_phone="13800000002")
    case_merge(case=dup, into=master, by=users["staff"])
    assert dup.status == "merged" and dup.merged_into == master
    assert Message.objects.filter(purpose="case.merged", body__contains=master.number).count() == 1
    case_resolve(case=master, by=users["worker"], note="已疏通")
    told = {m.to for m in Message.objects.filter(purpose="case.resolved")}
    assert told == {"13800000001", "13800000002"}
    assert Case.objects.search("冒水").filter(pk=master.pk).exists()


def test_cancel_tells_the_reporter(world, users, make_case):
    case = make_case()
    case_cancel(case=case, by=users["staff"], reason="居民已自行解决")
    assert case.status == "cancelled"
    assert Message.objects.filter(purpose="case.cancelled").exists()
    with pytest.raises(CaseError, match="已撤销"):
        case_dispatch(case=case, unit=world.penglai_committee, by=users["staff"])


def test_stale_copy_loses_with_a_clear_message(world, users, make_case):
    case = make_case()
    stale = Case.objects.get(pk=case.pk)
    case_dispatch(case=case, unit=world.penglai_committee, by=users["staff"])
    with pytest.raises(CaseConflict, match="刚刚已被其他人处理"):
        case_dispatch(case=stale, unit=world.laoximen_office, by=users["staff"])
    case.refresh_from_db()
    assert case.main_unit == world.penglai_committee


def test_worker_of_another_neighbourhood_cannot_act(world, users, make_case, routed):
    case = make_case()
    with pytest.raises(CaseError, match="权限"):
        case_accept(case=case, by=users["worker_tianping"])


def test_consent_round_records_who_agreed_when_and_how(world, users, make_case, routed):
    case = make_case(title="粪管改道", description="陕西南路582弄11号粪管需要改道")
    rnd = consent_round_open(case=case, by=users["worker"], title="粪管改道方案")
    consent_record(
        round=rnd, by=users["worker"], name="李阿婆", address_text="11号101室", agrees=True, channel="in_person"
    )
    consent_record(
        round=rnd,
        by=users["worker"],
        name="王先生",
        address_text="11号201室",
        agrees=False,
        channel="phone",
        note="担心施工噪音",
    )
    with pytest.raises(CaseError, match="已有记录"):
        consent_record(
            round=rnd, by=users["worker"], name="李阿婆", address_text="11号101室", agrees=False, channel="phone"
        )
    assert rnd.tally() == {"agree": 1, "disagree": 1, "total": 2}
    consent_round_close(round=rnd, by=users["worker"])
    assert "同意 1 户" in case.events.last().note


def test_pause_while_waiting_on_the_resident_and_info_resumes(users, make_case, routed):
    case = make_case()
    case_pause(case=case, by=users["worker"], reason="等待居民提供房产证复印件")
    assert not case.clock_running
    case_add_info(case=case, note="已提供复印件", by=RESIDENT)
    case.refresh_from_db()
    assert case.paused_at is None and case.clock_running
    assert case.events.filter(kind=K.INFO_ADDED, actor_name="居民").exists()


def test_case_log_appends_and_becomes_searchable(users, make_case):
    case = make_case()
    case_log(case=case, by=users["worker"], note="资源已批准：借用活动室")
    assert Case.objects.search("活动室").filter(pk=case.pk).exists()


def test_source_link_lists_cases_for_source(world, make_case):
    case = make_case(source=world.penglai_committee)
    assert list(cases_for_source(world.penglai_committee)) == [case]


def test_default_category_is_other(make_case):
    case = make_case(category=None)
    assert case.category == Category.objects.get(code="other")


def test_a_batch_whose_key_was_taken_meanwhile_answers_with_the_first_case(world, users, make_case, monkeypatch):
    first = make_case(idempotency_key="k-taken")
    real = intake_actions._cases_by_key
    calls = []

    def probe_misses_once(keys):  # as if a concurrent writer took the key just after the probe
        calls.append(keys)
        # (PostgreSQL makes no probe: its INSERT itself finds the key taken)
        return {} if len(calls) == 1 and connection.vendor != "postgresql" else real(keys)

    monkeypatch.setattr(intake_actions, "_cases_by_key", probe_misses_once)
    intake = {"title": "路灯不亮", "description": "蓬莱路", "region": world.penglai_grid, "channel": "api",
              "category": "repair", "by": users["worker"]}  # fmt: skip
    (again, again_created), (fresh, fresh_created) = case_create_many(
        [{**intake, "idempotency_key": "k-taken"}, {**intake, "idempotency_key": "k-new"}]
    )
    assert again == first and not again_created and fresh_created
    assert fresh.pk and fresh.number and Case.objects.count() == 2
    assert list(fresh.events.values_list("kind", flat=True)) == ["created"]
    assert first.events.count() == 1  # nothing written again for the first case
