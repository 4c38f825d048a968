"""Every state change of a case, in one place (docs/architecture.md, "Cases: the contract").

Each function is keyword-only, atomic, takes the actor as ``by=`` (None for the system: tasks,
other apps' automations, the resident on the public pages), writes the timeline (CaseEvent) and the
audit log in the same transaction, and tells the people concerned through ``notify``.

Concurrency: transitions are conditional updates on (pk, status, version). The caller passes the
case as it saw it; if someone else changed it in between, nothing is written and ``CaseConflict``
says so in Chinese. Views show that message; nothing is silently overwritten.

The workflow::

    受理(new) → 派单(dispatched) → 签收(accepted) → 先行联系(contacted) → 处理中(in_progress)
      → 办结(resolved) → 回访(visited: 满意/基本满意/不满意) → 归档(archived)
    不满意 → 重办 (back to the same unit, dispatched, shorter deadline)
    退单 request → approve (back to new) / reject;  改派;  延期 request → approve / reject;
    复杂诉求 request → approve (15 working days);  督办;  合并 (merged);  撤销 (cancelled)
"""

import datetime
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from lib import crypto, db
from lib.workdays import add_working_time, working_time_between
from org.models import Membership, Region, Role, Unit, User

from . import attachments as photo
from . import deadlines, search
from .models import (
    Attachment,
    Case,
    CaseEvent,
    CaseRequest,
    Category,
    Consent,
    ConsentRound,
    RoutingRule,
    Satisfaction,
    TrackingCode,
    normalize_phone,
)

S = Case.Status
K = CaseEvent.Kind


class CaseError(ValidationError):
    """A request the workflow refuses, with a message for the person who asked."""


class CaseConflict(CaseError):
    """Someone else changed the case first."""


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
def _now():
    return timezone.now()


class _Resident:
    """The actor for what a resident does on the public pages (no account)."""

    is_authenticated = False
    is_superuser = False

    def __str__(self) -> str:
        return str(_("居民"))


RESIDENT = _Resident()


def _actor_name(by) -> str:
    if by is None:
        return str(_("系统"))
    return str(by)


def _event_row(case, *, by, kind, note="", data=None, is_public=True, at=None) -> CaseEvent:
    return CaseEvent(
        case=case,
        at=at or _now(),
        actor=by if getattr(by, "is_authenticated", False) else None,
        actor_name=_actor_name(by),
        kind=kind,
        note=note or "",
        data=data or {},
        is_public=is_public,
    )


def _event(case, *, by, kind, note="", data=None, is_public=True, at=None) -> CaseEvent:
    event = _event_row(case, by=by, kind=kind, note=note, data=data, is_public=is_public, at=at)
    event.save()
    if note:
        _add_search_text(case, note)
    return event


def _add_search_text(case, text: str) -> None:
    have = case.search_tokens.split()
    known = set(have)
    new = [tok for tok in search.tokens(text) if tok not in known]
    if not new:
        return
    merged = f" {' '.join((have + new)[: search.MAX_TOKENS])} "
    # search_tokens is derived data: a plain update, not part of the version check
    Case.objects.filter(pk=case.pk).update(search_tokens=merged)
    case.search_tokens = merged


def _audit(case, by, verb, **detail):
    record(actor=by, action=f"cases.case.{verb}", obj=case, region=case.region, detail=detail)


def conflict_message(number, current_status) -> str:
    label = S(current_status).label if current_status else _("已删除")
    return _("诉求 %(number)s 刚刚已被其他人处理（现在是“%(status)s”），您的操作没有保存。请刷新页面后再试。") % {
        "number": number,
        "status": label,
    }


def _transition(case, *, allowed, to=None, by, kind, note="", data=None, changes=None, is_public=True) -> CaseEvent:
    """Conditional update on (pk, status, version); raises CaseConflict for the loser of a race.

    1. check the in-memory status is one the step starts from (clear message otherwise);
    2. UPDATE ... WHERE pk AND status AND version — exactly one concurrent caller matches;
    3. mirror the change on the instance and write the timeline entry.
    """
    if case.status not in allowed:
        raise CaseError(
            _("诉求 %(number)s 当前为“%(status)s”，不能执行此操作。")
            % {"number": case.number, "status": case.get_status_display()}
        )
    changes = dict(changes or {})
    if to is not None:
        changes["status"] = to
    now = _now()
    changed = Case.objects.filter(pk=case.pk, status=case.status, version=case.version).update(
        version=F("version") + 1, updated_at=now, **changes
    )
    if changed != 1:
        current = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
        raise CaseConflict(conflict_message(case.number, current))
    for field, value in changes.items():
        setattr(case, field, value)
    case.version += 1
    case.updated_at = now
    return _event(case, by=by, kind=kind, note=note, data=data, is_public=is_public)


def _bump(case, *, by, kind, note="", data=None, changes=None, is_public=True) -> CaseEvent:
    """A change that keeps the status (deadline moves, supervision): still version-checked."""
    return _transition(
        case, allowed=(case.status,), by=by, kind=kind, note=note, data=data, changes=changes, is_public=is_public
    )


def _user_units(user) -> set[int]:
    return {m.unit_id for m in user.memberships.all() if m.unit_id}


def _region_paths(user, roles) -> list[str]:
    return [m.region.path for m in user.memberships.select_related("region") if m.role in roles]


def can_dispatch(user, case) -> bool:
    """Dispatcher actions (派单, 改派, 审核退单/延期, 撤销, 合并, 归档): staff roles over the case's region."""
    if user is None:
        return True  # the system (tasks, other apps' automations)
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    roles = {Role.WORKER, Role.STAFF, Role.ADMIN}
    return any(case.region_path.startswith(p) for p in _region_paths(user, roles))


def can_supervise(user, case) -> bool:
    if user is None:
        return True  # the system (tasks, other apps' automations)
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(case.region_path.startswith(p) for p in _region_paths(user, {Role.STAFF, Role.ADMIN}))


def can_handle(user, case) -> bool:
    """Handler actions (签收, 先行联系, 处理, 办结, 退单/延期申请): members of the main unit, or dispatchers."""
    if user is None:
        return True  # the system (tasks, other apps' automations)
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if case.main_unit_id and case.main_unit_id in _user_units(user):
        return True
    return can_dispatch(user, case)


def _require(ok: bool) -> None:
    if not ok:
        raise CaseError(_("您没有权限对这件诉求执行此操作。"))


def _notify(to: str, body: str, *, purpose: str, related) -> None:
    if not to:
        return
    from notify.services import send

    send(to=to, body=body, channel=_channel_of(to), purpose=purpose, related=related)


def _channel_of(contact: str) -> str:
    return "email" if "@" in contact else "sms"


def _user_contact(user) -> str:
    return _contact(getattr(user, "phone", ""), getattr(user, "email", ""))


def _contact(phone, email) -> str:
    """Where a member is told: the phone, else the e-mail ("" for neither)."""
    return (phone or email or "").strip()


# the members of a unit, for plain SQL ({unit}: the unit's id, a placeholder or a column)
_MEMBERS = f"SELECT user_id FROM {Membership._meta.db_table} WHERE unit_id = {{unit}}"


def notify_reporter(case, body: str, *, purpose: str = "case.update") -> None:
    """Tell the person who raised the case (and, for a master case, everyone whose duplicate was merged)."""
    phones = []
    if case.reporter_phone_encrypted:
        phones.append(case.reporter_phone)
    for dup in case.merged_cases.exclude(reporter_phone_encrypted=""):
        phones.append(dup.reporter_phone)
    for phone in dict.fromkeys(phones):
        _notify(phone, body, purpose=purpose, related=case)


def notify_unit(unit, body: str, *, case, purpose: str = "case.unit") -> int:
    """Tell the members of a unit who have a phone or e-mail; returns how many were told."""
    if unit is None:
        return 0
    contacts = _unit_contacts(unit)
    for contact in contacts:
        _notify(contact, body, purpose=purpose, related=case)
    return len(contacts)


def _unit_contacts(unit) -> list[str]:
    """The phone (or e-mail) of each member of ``unit`` who has one, each person once."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT phone, email FROM {User._meta.db_table} WHERE id IN ({_MEMBERS.format(unit='%s')}) ORDER BY id",
            [unit.pk],
        )
        rows = cursor.fetchall()
    return [c for c in (_contact(phone, email) for phone, email in rows) if c]


def supervisors_for(case):
    """Subdistrict staff over the case's region (the people an overdue case escalates to)."""
    paths = _ancestor_paths(case.region_path)
    return {
        m.user for m in Membership.objects.filter(role__in=[Role.STAFF], region__path__in=paths).select_related("user")
    }


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[: i + 1]) + "." for i in range(len(parts))]


def tracking_url(case) -> str:
    from django.conf import settings

    try:
        path = reverse("cases:public_track")
    except NoReverseMatch:  # an install without the public pages
        return case.number
    return settings.SITE_URL.rstrip("/") + path + f"?number={case.number}"


# ----------------------------------------------------------------------------------------------
# intake
# ----------------------------------------------------------------------------------------------
def resolve_category(category) -> Category:
    if isinstance(category, Category):
        return category
    code = category or "other"
    try:
        return Category.objects.get(code=code)
    except Category.DoesNotExist:
        raise CaseError(_("没有编码为“%(code)s”的诉求分类。") % {"code": code})


def find_routing_rule(category: Category, region) -> RoutingRule | None:
    """The most specific rule: deepest region containing the case's, exact category before its
    parent before the region default (no category). One statement in plain SQL (every intake asks
    this; building the ORM query cost more than running it), which also brings the main unit, the
    co-units as ``rule.co_unit_names`` [(id, name)] in the units' order, and the main unit's
    contacts as ``rule.unit_contacts`` (as ``_unit_contacts`` gives them)."""
    paths = _ancestor_paths(region.path)
    cats = [category.pk] + ([category.parent_id] if category.parent_id else [])
    rr, unit, region_table = RoutingRule._meta.db_table, Unit._meta.db_table, Region._meta.db_table
    agg, row = (
        ("json_agg", "json_build_array") if connection.vendor == "postgresql" else ("json_group_array", "json_array")
    )
    co_units = (
        f"SELECT {agg}({row}(cu.id, cu.name, cr.path)) FROM {RoutingRule.co_units.through._meta.db_table} c"
        f" JOIN {unit} cu ON cu.id = c.unit_id JOIN {region_table} cr ON cr.id = cu.region_id"
        " WHERE c.routingrule_id = rr.id"
    )
    contacts = (
        f"SELECT {agg}({row}(mu.id, mu.phone, mu.email)) FROM {User._meta.db_table} mu"
        f" WHERE mu.id IN ({_MEMBERS.format(unit='rr.main_unit_id')})"
    )
    sql = (
        f"SELECT {db.columns(RoutingRule, 'rr')}, {db.columns(Unit, 'u')}, ({co_units}), ({contacts}) FROM {rr} rr"
        f" JOIN {region_table} r ON r.id = rr.region_id JOIN {unit} u ON u.id = rr.main_unit_id"
        f" WHERE r.path IN ({', '.join(['%s'] * len(paths))})"
        f" AND (rr.category_id IN ({', '.join(['%s'] * len(cats))}) OR rr.category_id IS NULL)"
        " ORDER BY r.depth DESC, CASE WHEN rr.category_id = %s THEN 0 WHEN rr.category_id IS NULL THEN 2 ELSE 1 END"
        " LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*paths, *cats, category.pk])
        found = cursor.fetchone()
    if found is None:
        return None
    rule, rule.main_unit, lists = db.instances(found, RoutingRule, Unit)
    co_units, contacts = (json.loads(v) if isinstance(v, str) else v or [] for v in lists)
    rule.co_unit_names = [(pk, name) for pk, name, path in sorted(co_units, key=lambda u: (u[2], u[1]))]
    people = sorted(contacts, key=lambda u: u[0])
    rule.unit_contacts = [c for c in (_contact(phone, email) for _, phone, email in people) if c]
    return rule


@transaction.atomic
def case_create(
    *,
    title,
    description,
    region,
    channel,
    by=None,
    category=None,
    urgency="normal",
    resident=None,
    reporter_name="",
    reporter_phone="",
    address=None,
    source=None,
    due_minutes=None,
    idempotency_key=None,
    photos=(),
    location_text="",
) -> Case:
    """Record a need. Routing rules dispatch it at once where they decide; otherwise it waits in the
    dispatcher's inbox. The same ``idempotency_key`` twice returns the first case, unchanged (marked
    ``replayed``, so the caller can answer "already recorded")."""
    intake = {name: value for name, value in locals().items() if name != "photos"}  # the arguments above
    case = case_create_many([intake])[0]
    if not getattr(case, "replayed", False):
        for upload in photos or ():
            attachment_add(case=case, file=upload, kind=Attachment.Kind.INTAKE, by=by)
    return case


@dataclass
class _Intake:
    """One need being recorded by ``case_create_many``: the unsaved case and what follows from it."""

    case: Case
    by: object
    rule: RoutingRule | None  # the rule that dispatched it, if one did
    created_note: str
    dispatch_note: str
    phone: str
    audit: dict | None = None  # one more audit entry: {"action": …, "detail": …}
    also: Callable | None = None  # a function of the saved case giving more unsaved rows to write with it


class _Batch:
    """What the intakes of one batch share: routing rules by (category, region), and the timeline
    notes, translated once."""

    def __init__(self):
        self.rules: dict = {}
        self.created_notes: dict = {}
        self.dispatch_note = _("按派单规则自动派单。")

    def rule(self, category, region) -> RoutingRule | None:
        if (category.pk, region.pk) not in self.rules:
            self.rules[(category.pk, region.pk)] = find_routing_rule(category, region)
        return self.rules[(category.pk, region.pk)]

    def created_note(self, case) -> str:
        if case.channel not in self.created_notes:
            self.created_notes[case.channel] = _("经%(channel)s受理。") % {"channel": case.get_channel_display()}
        return self.created_notes[case.channel]


def _new_case(
    *,
    title,
    description,
    region,
    channel,
    by=None,
    category=None,
    urgency="normal",
    resident=None,
    reporter_name="",
    reporter_phone="",
    address=None,
    source=None,
    due_minutes=None,
    idempotency_key=None,
    location_text="",
    at=None,
    batch: _Batch,
) -> _Intake:
    """Check one intake and build its case in memory (state, deadlines, search document, and the
    routing rule's dispatch when the rule decides and its unit is active)."""
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        raise CaseError(_("请填写诉求标题。"))
    if not description:
        raise CaseError(_("请填写诉求内容。"))
    if channel not in Case.Channel.values:
        raise CaseError(_("来源渠道“%(c)s”无效。") % {"c": channel})
    if urgency not in Case.Urgency.values:
        raise CaseError(_("紧急程度“%(u)s”无效。") % {"u": urgency})
    if region is None:
        raise CaseError(_("请选择诉求所在的辖区或网格。"))
    category = resolve_category(category)
    now = at or _now()
    if resident is not None:
        reporter_name = reporter_name or resident.name
        reporter_phone = reporter_phone or resident.phone
    case = Case(
        title=title[:200],
        description=description,
        category=category,
        region=region,
        region_path=region.path,
        address=address,
        location_text=location_text,
        resident=resident,
        reporter_name=(reporter_name or "").strip()[:50],
        channel=channel,
        urgency=urgency,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        created_at=now,
        updated_at=now,
        idempotency_key=idempotency_key or None,
    )
    created_note = batch.created_note(case)
    case.set_reporter_phone(reporter_phone)
    case.first_contact_due_at = deadlines.first_contact_due(category, now)
    if due_minutes is not None:
        due = now + datetime.timedelta(minutes=int(due_minutes))
        case.first_contact_due_at = min(case.first_contact_due_at, due)
    else:
        due = deadlines.resolve_due(category, urgency, now)
    deadlines.set_deadline(case, start=now, due=due)
    if source is not None:
        case.source_type = ContentType.objects.get_for_model(source)
        case.source_id = str(source.pk)
    rule = batch.rule(category, region)
    dispatch_note = ""
    if rule is not None:
        case.suggested_unit = rule.main_unit
        if rule.auto_dispatch and rule.main_unit.is_active:
            # 派单 by the system in the same statement as the intake (the case starts out dispatched)
            dispatch_note = batch.dispatch_note
            case.status = S.DISPATCHED
            case.main_unit = rule.main_unit
            case.dispatched_at = _now()
            case.version += 1
    # the notes of the timeline entries written below are in the search document from the start
    case.search_tokens = search.document(title, description, created_note, dispatch_note)
    return _Intake(
        case=case,
        by=by,
        rule=rule if dispatch_note else None,
        created_note=created_note,
        dispatch_note=dispatch_note,
        phone=normalize_phone(reporter_phone),
    )


@transaction.atomic(savepoint=False)  # inside a caller's transaction, a failure spoils it (as any failed INSERT would)
def case_create_many(intakes: list[dict]) -> list[Case]:
    """Record many needs (each a dict of ``case_create``'s arguments, plus ``at``, the moment the
    need was received) with the same cases, timeline, audit log and messages as ``case_create``
    one by one, in a fixed handful of statements: one INSERT per table for the whole batch.
    ``case_create`` is this with one intake; the Open311 intake worker sends its batches here.

    An intake may carry ``audit``: the action and detail of one more audit entry about its case, by
    the same actor, written in the same INSERT (Open311 records which partner sent it); and ``also``:
    a function of its new case returning more unsaved rows, written in the same statement as the
    timeline (Open311's request row). Neither is used for a replayed key.

    Idempotency keys already used answer with the first case (``replayed``); a key used twice in
    the batch, or taken by a concurrent writer meanwhile, falls back to one intake at a time."""
    keys = [kw["idempotency_key"] for kw in intakes if kw.get("idempotency_key")]
    if len(set(keys)) != len(keys) and len(intakes) > 1:
        return [case_create_many([kw])[0] for kw in intakes]
    # Keys already used answer with their first case. PostgreSQL needs no probe first: there the
    # INSERT skips a taken key (insert_unless_taken below), which answers a replay the same way.
    known = _cases_by_key(keys) if connection.vendor != "postgresql" else {}
    batch = _Batch()
    out: list[Case | None] = []
    new: list[_Intake] = []
    for kw in intakes:
        key = kw.get("idempotency_key")
        if key and key in known:
            known[key].replayed = True
            out.append(known[key])
            continue
        intake = _new_case(**{k: v for k, v in kw.items() if k not in ("audit", "also")}, batch=batch)
        intake.audit, intake.also = kw.get("audit"), kw.get("also")
        new.append(intake)
        out.append(intake.case)
    if not new:
        return out
    cases = [i.case for i in new]
    numbered = _number_ahead(cases)
    try:
        if keys and numbered:  # PostgreSQL: a key taken meanwhile skips its row instead of failing
            taken = {id(c) for c in db.insert_unless_taken(cases, "idempotency_key")}
            if taken:
                _answer_with_first_cases(out, taken)
                new = [i for i in new if id(i.case) not in taken]
                cases = [i.case for i in new]
                if not new:
                    return out
        elif keys:
            with transaction.atomic():  # a savepoint: a key taken meanwhile must not poison the caller
                db.insert(cases)
        else:
            db.insert(cases)
    except IntegrityError:
        if len(intakes) > 1:
            return [case_create_many([kw])[0] for kw in intakes]
        existing = Case.objects.filter(idempotency_key=intakes[0].get("idempotency_key") or None).first()
        if existing is None:
            raise
        existing.replayed = True  # a concurrent request with the same key won: answer with its case
        return [existing]
    if not numbered:
        for case in cases:
            case.number = _case_number(case)
        db.set_column(Case, "number", {case.pk: case.number for case in cases})
    _write_intake_effects(new)
    from .signals import cases_created

    cases_created.send(sender=Case, cases=cases)
    return out


def _answer_with_first_cases(out: list, taken: set) -> None:
    """Put the first case of each key in ``out`` where a concurrent writer took the key (``taken``:
    ids of the unsaved cases that lost), marked ``replayed``."""
    lost = [c for c in out if id(c) in taken]
    firsts = _cases_by_key([c.idempotency_key for c in lost])
    for n, case in enumerate(out):
        if id(case) in taken:
            out[n] = firsts[case.idempotency_key]
            out[n].replayed = True


def _cases_by_key(keys: list[str]) -> dict:
    """{idempotency key: case} of the keys already used. A cheap probe first: replays are rare."""
    if not keys:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Case._meta.db_table} WHERE idempotency_key IN ({', '.join(['%s'] * len(keys))}) LIMIT 1",
            keys,
        )
        if cursor.fetchone() is None:
            return {}
    return {c.idempotency_key: c for c in Case.objects.filter(idempotency_key__in=keys)}


def _case_number(case) -> str:
    return f"MH{timezone.localtime(case.created_at):%Y}-{case.pk:06d}"


def _number_ahead(cases: list[Case]) -> bool:
    """On PostgreSQL take the cases' ids from the table's sequence before the INSERT, so each row is
    written once with its number; elsewhere the number is set after the INSERT gives the id."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Case._meta.db_table, len(cases)],
        )
        for case, (pk,) in zip(cases, cursor.fetchall(), strict=True):
            case.pk = pk
            case.number = _case_number(case)
    return True


def _write_intake_effects(intakes: list[_Intake]) -> None:
    """Timeline, co-units, audit log and messages of freshly inserted cases: one INSERT per table,
    all in one statement on PostgreSQL."""
    from audit.services import build as audit_entry
    from notify.services import deliver_after_commit, message_rows

    events, audits, messages, co_links = [], [], [], []
    accepted = _("【民呼】您反映的诉求已受理，编号 %(number)s。可凭编号和手机号查询进度：%(url)s")
    new_order = _("【民呼】新派单 %(number)s：%(title)s，请及时签收。")
    for i in intakes:
        case, by = i.case, i.by
        data = {"channel": case.channel, "urgency": case.urgency}
        events.append(_event_row(case, by=by, kind=K.CREATED, note=i.created_note, data=data, at=case.created_at))
        audits.append(
            audit_entry(
                actor=by,
                action="cases.case.create",
                obj=case,
                region=case.region,
                detail={"number": case.number, "channel": case.channel, "category": case.category.code},
            )
        )
        if i.audit:
            audits.append(audit_entry(actor=by, obj=case, region=case.region, **i.audit))
        if case.reporter_phone_encrypted:
            # a new case has no merged duplicates: only its own reporter to tell
            messages.append(
                {
                    "to": i.phone,
                    "body": accepted % {"number": case.number, "url": tracking_url(case)},
                    "purpose": "case.created",
                    "related": case,
                }
            )
        if i.rule is None:
            continue
        unit = case.main_unit
        co_units = [(pk, name) for pk, name in i.rule.co_unit_names if pk != unit.pk]
        co_links.extend(Case.co_units.through(case_id=case.pk, unit_id=pk) for pk, _ in co_units)
        events.append(
            _event_row(
                case,
                by=None,
                kind=K.DISPATCHED,
                note=i.dispatch_note,
                data={"unit": unit.pk, "unit_name": unit.name, "co_units": [name for _, name in co_units]},
                at=case.dispatched_at,
            )
        )
        audits.append(audit_entry(actor=None, action="cases.case.dispatch", obj=case, detail={"unit": unit.name}))
        body = new_order % {"number": case.number, "title": case.title}
        messages.extend({"to": c, "body": body, "purpose": "case.unit", "related": case} for c in i.rule.unit_contacts)
    rows = message_rows([{**m, "channel": _channel_of(m["to"])} for m in messages])
    more: dict[type, list] = {}
    for i in intakes:
        for row in i.also(i.case) if i.also else ():
            more.setdefault(type(row), []).append(row)
    db.insert_all(events, co_links, audits, rows, *more.values())  # one statement on PostgreSQL
    deliver_after_commit(rows)


@transaction.atomic
def case_categorize(*, case, category, by, note="") -> Case:
    """改分类: the dispatcher (or insight's suggestion, see insight.services) sets another category
    on an open case. The suggested unit follows the new category's routing rule; deadlines stay as
    set at intake. Written as an internal timeline entry with the old and new category."""
    _require(can_dispatch(by, case))
    category = resolve_category(category)
    if category.pk == case.category_id:
        return case
    if not case.is_open:
        raise CaseError(_("诉求已经结束，不能再改分类。"))
    old = case.category
    rule = find_routing_rule(category, case.region)
    change = _("分类由“%(a)s”改为“%(b)s”。") % {"a": old.name, "b": category.name}
    _bump(
        case,
        by=by,
        kind=K.NOTE,
        note=f"{note} {change}".strip(),
        data={"category_from": old.code, "category_to": category.code},
        changes={"category": category, "suggested_unit": rule.main_unit if rule else None},
        is_public=False,
    )
    _audit(case, by, "categorize", category=category.code, previous=old.code)
    return case


@transaction.atomic
def case_log(*, case, by, note, kind="note", data=None, is_public=True) -> CaseEvent:
    """Append a timeline entry without changing the status (e.g. "资源已批准")."""
    note = (note or "").strip()
    if not note and kind == K.NOTE:
        raise CaseError(_("请填写办理记录内容。"))
    event = _event(case, by=by, kind=kind, note=note, data=data, is_public=is_public)
    _audit(case, by, "log", kind=kind)
    return event


@transaction.atomic
def attachment_add(*, case, file, kind=Attachment.Kind.INTAKE, by=None, event=None) -> Attachment:
    fields = photo.process(file)
    return Attachment.objects.create(
        case=case, kind=kind, uploaded_by=by if by and by.is_authenticated else None, event=event, **fields
    )


# ----------------------------------------------------------------------------------------------
# dispatch and handling
# ----------------------------------------------------------------------------------------------
def _check_unit(unit) -> None:
    if unit is None:
        raise CaseError(_("请选择主办单位。"))
    if isinstance(unit, Unit) and not unit.is_active:
        raise CaseError(_("单位“%(u)s”已停用，不能派单。") % {"u": unit})


@transaction.atomic
def case_dispatch(*, case, unit, by, co_units=(), note="") -> Case:
    """派单: give a waiting case to a main unit (and co-units)."""
    return _dispatch(case=case, unit=unit, by=by, co_units=co_units, note=note)


def _dispatch(*, case, unit, by, co_units=(), note="", fresh=False) -> Case:
    """case_dispatch's body, for callers already in a transaction (case_create's auto-dispatch).
    ``fresh``: the case was created in this transaction, so it has no co-units to clear."""
    _require(can_dispatch(by, case))
    _check_unit(unit)
    co_units = [u for u in co_units if u.pk != unit.pk]
    _transition(
        case,
        allowed=(S.NEW,),
        to=S.DISPATCHED,
        by=by,
        kind=K.DISPATCHED,
        note=note or _("派给%(unit)s。") % {"unit": unit},
        data={"unit": unit.pk, "unit_name": unit.name, "co_units": [u.name for u in co_units]},
        changes={"main_unit": unit, "dispatched_at": _now()},
    )
    if co_units or not fresh:
        case.co_units.set(co_units)
    _audit(case, by, "dispatch", unit=unit.name)
    notify_unit(
        unit,
        _("【民呼】新派单 %(number)s：%(title)s，请及时签收。") % {"number": case.number, "title": case.title},
        case=case,
    )
    return case


@transaction.atomic
def case_accept(*, case, by, note="") -> Case:
    """签收: the main unit takes the case — only its own members (or the system), not a dispatcher above it."""
    _require(by is None or case.main_unit_id in _user_units(by))
    _transition(
        case,
        allowed=(S.DISPATCHED,),
        to=S.ACCEPTED,
        by=by,
        kind=K.ACCEPTED,
        note=note,
        changes={"accepted_at": _now()},
    )
    _audit(case, by, "accept")
    return case


@transaction.atomic
def case_contact(*, case, by, note) -> Case:
    """先行联系: the handler has reached the resident (counts for the response rate)."""
    _require(can_handle(by, case))
    if not (note or "").strip():
        raise CaseError(_("请记录先行联系的情况（如电话联系了谁、约定了什么）。"))
    now = _now()
    changes = {"first_contacted_at": now}
    if case.accepted_at is None:
        changes["accepted_at"] = now
    _transition(
        case, allowed=(S.DISPATCHED, S.ACCEPTED), to=S.CONTACTED, by=by, kind=K.CONTACTED, note=note, changes=changes
    )
    _audit(case, by, "contact")
    return case


@transaction.atomic
def case_start(*, case, by, note="") -> Case:
    """处理中."""
    _require(can_handle(by, case))
    changes = {}
    if case.accepted_at is None:
        changes["accepted_at"] = _now()
    _transition(
        case,
        allowed=(S.DISPATCHED, S.ACCEPTED, S.CONTACTED),
        to=S.IN_PROGRESS,
        by=by,
        kind=K.STARTED,
        note=note,
        changes=changes,
    )
    _audit(case, by, "start")
    return case


def _unpause_changes(case, now) -> dict:
    if case.paused_at is None:
        return {}
    paused = working_time_between(case.paused_at, now)
    deadlines.shift_for_pause(case, paused)
    return {
        "paused_at": None,
        "paused_seconds": case.paused_seconds + int((now - case.paused_at).total_seconds()),
        "due_at": case.due_at,
        "warn_at": case.warn_at,
        "first_contact_due_at": case.first_contact_due_at,
    }


@transaction.atomic
def case_resolve(*, case, by, note, before_photos=(), after_photos=()) -> Case:
    """办结 with the result and optional before/after photos; the resident is asked for a verdict."""
    _require(can_handle(by, case))
    note = (note or "").strip()
    if not note:
        raise CaseError(_("请填写办理结果。"))
    now = _now()
    changes = {"resolved_at": now, "resolution": note, **_unpause_changes(case, now)}
    if case.accepted_at is None:
        changes["accepted_at"] = now
    if case.first_contacted_at is None:
        # the answer itself reaches the resident: it is the first response (docs/cases-metrics.md)
        changes["first_contacted_at"] = now
    event = _transition(
        case,
        allowed=(S.DISPATCHED, S.ACCEPTED, S.CONTACTED, S.IN_PROGRESS),
        to=S.RESOLVED,
        by=by,
        kind=K.RESOLVED,
        note=note,
        changes=changes,
    )
    for upload in before_photos or ():
        attachment_add(case=case, file=upload, kind=Attachment.Kind.BEFORE, by=by, event=event)
    for upload in after_photos or ():
        attachment_add(case=case, file=upload, kind=Attachment.Kind.AFTER, by=by, event=event)
    _audit(case, by, "resolve")
    notify_reporter(
        case,
        _("【民呼】您的诉求 %(number)s 已办结：%(note)s 请对办理结果进行评价：%(url)s")
        % {"number": case.number, "note": note[:60], "url": tracking_url(case)},
        purpose="case.resolved",
    )
    return case


@transaction.atomic
def case_pause(*, case, by, reason) -> Case:
    """Stop the clock while waiting on the resident (补充材料, 约定时间)."""
    _require(can_handle(by, case))
    if case.paused_at is not None:
        raise CaseError(_("计时已经暂停。"))
    if not (reason or "").strip():
        raise CaseError(_("请说明暂停计时的原因（等待居民什么）。"))
    _transition(case, allowed=Case.HANDLING_STATUSES, by=by, kind=K.PAUSED, note=reason, changes={"paused_at": _now()})
    _audit(case, by, "pause")
    return case


@transaction.atomic
def case_resume(*, case, by, note="") -> Case:
    if case.paused_at is None:
        raise CaseError(_("计时没有暂停。"))
    _transition(
        case, allowed=Case.HANDLING_STATUSES, by=by, kind=K.RESUMED, note=note, changes=_unpause_changes(case, _now())
    )
    _audit(case, by, "resume")
    return case


# ----------------------------------------------------------------------------------------------
# the resident's verdict
# ----------------------------------------------------------------------------------------------
@transaction.atomic
def case_visit(*, case, by, verdict, note="", channel=Satisfaction.Channel.PHONE) -> Case:
    """回访: record the resident's verdict. 不满意 sends the case back to the same unit (重办)."""
    if by is not RESIDENT:
        _require(can_handle(by, case))
    if verdict not in (Case.Verdict.SATISFIED, Case.Verdict.BASIC, Case.Verdict.UNSATISFIED):
        raise CaseError(_("请选择满意、基本满意或不满意。"))
    if verdict == Case.Verdict.UNSATISFIED and not (note or "").strip():
        raise CaseError(_("请记下居民不满意的原因，重办时要交给承办单位。"))
    round_no = case.satisfactions.count() + 1
    now = _now()
    _transition(
        case,
        allowed=(S.RESOLVED,),
        to=S.VISITED,
        by=by,
        kind=K.VISITED,
        note=note,
        data={"verdict": verdict, "channel": channel},
        changes={"verdict": verdict, "visited_at": now},
    )
    Satisfaction.objects.create(
        case=case,
        round=round_no,
        verdict=verdict,
        note=note or "",
        channel=channel,
        at=now,
        recorded_by=by if getattr(by, "is_authenticated", False) else None,
    )
    _audit(case, by, "visit", verdict=verdict)
    if verdict == Case.Verdict.UNSATISFIED:
        case_rehandle(case=case, by=by, note=note)
    return case


@transaction.atomic
def case_rehandle(*, case, by, note) -> Case:
    """重办: back to the same main unit with the category's shorter re-handling deadline; the
    resident's words go to the handler."""
    if getattr(by, "is_authenticated", False):
        _require(can_handle(by, case))
    if case.main_unit_id is None:
        raise CaseError(_("这件诉求没有主办单位，无法重办，请重新派单。"))
    now = _now()
    due = add_working_time(now, days=case.category.rehandle_days)
    changes = {
        "resolved_at": None,
        "visited_at": None,
        "verdict": "",
        "rehandle_count": case.rehandle_count + 1,
        "dispatched_at": now,
        "accepted_at": None,
    }
    probe = Case(due_at=None)
    changes.update({f: getattr(probe, f) for f in deadlines.set_deadline(probe, start=now, due=due)})
    _transition(
        case,
        allowed=(S.VISITED, S.RESOLVED),
        to=S.DISPATCHED,
        by=by,
        kind=K.REHANDLED,
        note=note,
        data={"round": case.rehandle_count + 1, "due_at": due.isoformat()},
        changes=changes,
    )
    _audit(case, by, "rehandle")
    notify_unit(
        case.main_unit,
        _("【民呼】诉求 %(number)s 居民不满意，需重办（%(days)d 个工作日内）。居民意见：%(note)s")
        % {"number": case.number, "days": case.category.rehandle_days, "note": (note or "")[:80]},
        case=case,
        purpose="case.rehandle",
    )
    return case


@transaction.atomic
def case_archive(*, case, by, note="") -> Case:
    """归档. A case archived without the resident's verdict is marked 未回访, never 满意."""
    _require(can_dispatch(by, case))
    changes = {"closed_at": _now()}
    if not case.verdict:
        changes["verdict"] = Case.Verdict.NOT_VISITED
    _transition(
        case, allowed=(S.VISITED, S.RESOLVED), to=S.ARCHIVED, by=by, kind=K.ARCHIVED, note=note, changes=changes
    )
    _audit(case, by, "archive", verdict=case.verdict)
    return case


# ----------------------------------------------------------------------------------------------
# exceptional paths
# ----------------------------------------------------------------------------------------------
@transaction.atomic
def case_request_return(*, case, by, reason_code, reason) -> CaseRequest:
    """退单: the unit says the case is not theirs, with a standard reason."""
    _require(can_handle(by, case))
    if case.status not in Case.HANDLING_STATUSES:
        raise CaseError(_("只有派单后、办结前的诉求可以申请退单。"))
    if reason_code not in CaseRequest.ReturnReason.values:
        raise CaseError(_("请选择退单原因。"))
    if not (reason or "").strip():
        raise CaseError(_("请说明退单理由。"))
    if case.requests.filter(kind=CaseRequest.Kind.RETURN, state=CaseRequest.State.PENDING).exists():
        raise CaseError(_("该诉求已有退单申请在等待审核。"))
    request = CaseRequest.objects.create(
        case=case,
        kind=CaseRequest.Kind.RETURN,
        reason_code=reason_code,
        reason=reason,
        unit=case.main_unit,
        requested_by=by,
    )
    _bump(
        case,
        by=by,
        kind=K.RETURN_REQUESTED,
        note=f"{request.get_reason_code_display()}：{reason}",
        data={"request": request.pk},
        is_public=False,
    )
    _audit(case, by, "return_request", reason=reason_code)
    return request


def _claim_request(request, *, by, approve: bool, note: str) -> None:
    changed = CaseRequest.objects.filter(pk=request.pk, state=CaseRequest.State.PENDING).update(
        state=CaseRequest.State.APPROVED if approve else CaseRequest.State.REJECTED,
        decided_by=by,
        decided_at=_now(),
        decision_note=note or "",
    )
    if changed != 1:
        raise CaseConflict(_("这条申请已经被其他人审核过了，请刷新页面。"))
    request.refresh_from_db()


@transaction.atomic
def case_return_decide(*, request, by, approve: bool, note="") -> Case:
    """The dispatcher approves a return (the case goes back to the inbox, 待派单) or rejects it
    (the unit keeps the case)."""
    case = request.case
    _require(can_dispatch(by, case))
    if request.kind != CaseRequest.Kind.RETURN:
        raise CaseError(_("这不是退单申请。"))
    if not approve and not (note or "").strip():
        raise CaseError(_("驳回退单时请写明理由，承办单位会看到。"))
    _claim_request(request, by=by, approve=approve, note=note)
    if approve:
        _transition(
            case,
            allowed=Case.HANDLING_STATUSES,
            to=S.NEW,
            by=by,
            kind=K.RETURN_APPROVED,
            note=note,
            data={"unit": request.unit.name if request.unit else ""},
            changes={"main_unit": None, "dispatched_at": None, "accepted_at": None, **_unpause_changes(case, _now())},
            is_public=False,
        )
        case.co_units.clear()
    else:
        _bump(case, by=by, kind=K.RETURN_REJECTED, note=note, is_public=False)
        notify_unit(
            request.unit,
            _("【民呼】诉求 %(number)s 的退单申请被驳回：%(note)s") % {"number": case.number, "note": note},
            case=case,
        )
    _audit(case, by, "return_" + ("approve" if approve else "reject"))
    return case


@transaction.atomic
def case_reassign(*, case, unit, by, co_units=(), note) -> Case:
    """改派: move a case being handled to another unit (pending return requests are settled)."""
    _require(can_dispatch(by, case))
    _check_unit(unit)
    if not (note or "").strip():
        raise CaseError(_("请说明改派理由。"))
    if unit.pk == case.main_unit_id:
        raise CaseError(_("新单位与当前主办单位相同。"))
    old = case.main_unit
    for pending in case.requests.filter(kind=CaseRequest.Kind.RETURN, state=CaseRequest.State.PENDING):
        _claim_request(pending, by=by, approve=True, note=_("已改派。"))
    co_units = [u for u in co_units if u.pk != unit.pk]
    _transition(
        case,
        allowed=(S.NEW, *Case.HANDLING_STATUSES),
        to=S.DISPATCHED,
        by=by,
        kind=K.REASSIGNED,
        note=note,
        data={"from": old.name if old else "", "to": unit.name},
        changes={"main_unit": unit, "dispatched_at": _now(), "accepted_at": None},
    )
    case.co_units.set(co_units)
    _audit(case, by, "reassign", to=unit.name)
    notify_unit(
        unit,
        _("【民呼】改派 %(number)s：%(title)s，请及时签收。") % {"number": case.number, "title": case.title},
        case=case,
    )
    return case


@transaction.atomic
def case_request_extension(*, case, by, days, reason) -> CaseRequest:
    """延期 request with a reason; the dispatcher decides."""
    _require(can_handle(by, case))
    if case.status not in Case.CLOCK_STATUSES:
        raise CaseError(_("只有办理中的诉求可以申请延期。"))
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise CaseError(_("请填写延期的工作日数。"))
    if not 1 <= days <= 30:
        raise CaseError(_("延期天数应在 1 到 30 个工作日之间。"))
    if not (reason or "").strip():
        raise CaseError(_("请说明延期理由。"))
    if case.requests.filter(kind=CaseRequest.Kind.EXTENSION, state=CaseRequest.State.PENDING).exists():
        raise CaseError(_("该诉求已有延期申请在等待审核。"))
    request = CaseRequest.objects.create(
        case=case, kind=CaseRequest.Kind.EXTENSION, reason=reason, days=days, unit=case.main_unit, requested_by=by
    )
    _bump(
        case,
        by=by,
        kind=K.EXTENSION_REQUESTED,
        note=reason,
        data={"days": days, "request": request.pk},
        is_public=False,
    )
    _audit(case, by, "extension_request", days=days)
    return request


@transaction.atomic
def case_extension_decide(*, request, by, approve: bool, note="", days=None) -> Case:
    case = request.case
    _require(can_dispatch(by, case))
    if request.kind != CaseRequest.Kind.EXTENSION:
        raise CaseError(_("这不是延期申请。"))
    if not approve and not (note or "").strip():
        raise CaseError(_("驳回延期时请写明理由。"))
    days = int(days or request.days or 0)
    _claim_request(request, by=by, approve=approve, note=note)
    if approve:
        due = add_working_time(case.due_at or _now(), days=days)
        probe = Case()
        changes = {f: getattr(probe, f) for f in deadlines.set_deadline(probe, start=_now(), due=due)}
        _bump(
            case,
            by=by,
            kind=K.EXTENSION_APPROVED,
            note=note,
            data={"days": days, "due_at": due.isoformat()},
            changes=changes,
        )
    else:
        _bump(case, by=by, kind=K.EXTENSION_REJECTED, note=note, is_public=False)
    _audit(case, by, "extension_" + ("approve" if approve else "reject"), days=days)
    return case


@transaction.atomic
def case_request_complex(*, case, by, reason) -> CaseRequest:
    """Ask that a case be treated as complex (复杂诉求: the category's complex deadline, 15 days)."""
    _require(can_handle(by, case))
    if case.is_complex:
        raise CaseError(_("这件诉求已认定为复杂诉求。"))
    if case.status not in Case.CLOCK_STATUSES:
        raise CaseError(_("只有办理中的诉求可以申请认定为复杂诉求。"))
    if not (reason or "").strip():
        raise CaseError(_("请说明为何属于复杂诉求。"))
    request = CaseRequest.objects.create(
        case=case, kind=CaseRequest.Kind.COMPLEX, reason=reason, unit=case.main_unit, requested_by=by
    )
    _audit(case, by, "complex_request")
    return request


@transaction.atomic
def case_complex_decide(*, request, by, approve: bool, note="") -> Case:
    case = request.case
    _require(can_dispatch(by, case))
    if not approve and not (note or "").strip():
        raise CaseError(_("驳回时请写明理由。"))
    _claim_request(request, by=by, approve=approve, note=note)
    if approve:
        start = case.dispatched_at or case.created_at
        due = add_working_time(start, days=case.category.complex_days)
        if case.paused_seconds:
            due = add_working_time(due, minutes=case.paused_seconds // 60)
        probe = Case()
        changes = {f: getattr(probe, f) for f in deadlines.set_deadline(probe, start=start, due=due)}
        changes["is_complex"] = True
        _bump(case, by=by, kind=K.COMPLEX_APPROVED, note=note, data={"due_at": due.isoformat()}, changes=changes)
    _audit(case, by, "complex_" + ("approve" if approve else "reject"))
    return case


@transaction.atomic
def case_supervise(*, case, by, note) -> Case:
    """督办: a supervision notice from subdistrict staff to the handling unit."""
    _require(can_supervise(by, case))
    if not case.is_open:
        raise CaseError(_("诉求已经结束，无需督办。"))
    if not (note or "").strip():
        raise CaseError(_("请填写督办意见。"))
    _bump(case, by=by, kind=K.SUPERVISED, note=note, is_public=False)
    notify_unit(
        case.main_unit,
        _("【民呼】督办 %(number)s：%(note)s") % {"number": case.number, "note": note[:80]},
        case=case,
        purpose="case.supervise",
    )
    _audit(case, by, "supervise")
    return case


@transaction.atomic
def case_merge(*, case, into, by, note="") -> Case:
    """合并: a duplicate joins its master case; its reporter is told now and at every later update
    of the master (notify_reporter reaches merged reporters)."""
    _require(can_dispatch(by, case))
    if case.pk == into.pk:
        raise CaseError(_("不能把诉求合并到它自己。"))
    if into.status in (S.CANCELLED, S.MERGED):
        raise CaseError(_("主诉求 %(number)s 已撤销或已合并，请选择其他诉求。") % {"number": into.number})
    if into.merged_into_id:
        raise CaseError(_("主诉求本身已被合并。"))
    _transition(
        case,
        allowed=Case.OPEN_STATUSES,
        to=S.MERGED,
        by=by,
        kind=K.MERGED,
        note=note or _("与 %(number)s 为同一诉求，已合并办理。") % {"number": into.number},
        data={"into": into.pk, "into_number": into.number},
        changes={"merged_into": into, "closed_at": _now()},
    )
    case.merged_cases.update(merged_into=into)  # earlier duplicates follow the master too
    _event(
        into,
        by=by,
        kind=K.MERGED,
        note=_("并入重复诉求 %(number)s（反映人：%(name)s）。")
        % {"number": case.number, "name": case.reporter_name or _("匿名")},
        data={"from": case.pk},
    )
    _add_search_text(into, f"{case.title} {case.description}")
    if case.reporter_phone_encrypted:
        _notify(
            case.reporter_phone,
            _("【民呼】您反映的诉求 %(number)s 与 %(master)s 为同一事项，已合并办理，进展会继续通知您。")
            % {"number": case.number, "master": into.number},
            purpose="case.merged",
            related=case,
        )
    _audit(case, by, "merge", into=into.number)
    return case


@transaction.atomic
def case_cancel(*, case, by, reason) -> Case:
    """撤销 (resident withdrew, invalid, or out of scope), with a reason the reporter is told."""
    _require(can_dispatch(by, case))
    if not (reason or "").strip():
        raise CaseError(_("请说明撤销原因。"))
    _transition(
        case,
        allowed=Case.OPEN_STATUSES,
        to=S.CANCELLED,
        by=by,
        kind=K.CANCELLED,
        note=reason,
        changes={"closed_at": _now()},
    )
    _audit(case, by, "cancel")
    notify_reporter(
        case,
        _("【民呼】您的诉求 %(number)s 已撤销：%(reason)s") % {"number": case.number, "reason": reason},
        purpose="case.cancelled",
    )
    return case


# ----------------------------------------------------------------------------------------------
# residents: add information, consent rounds
# ----------------------------------------------------------------------------------------------
@transaction.atomic
def case_add_info(*, case, note, by=None, photos=(), data=None) -> CaseEvent:
    """居民补充: more information (and photos) from the resident; a paused clock restarts.
    ``data`` is kept on the timeline entry (Open311 keeps the partner's update_id there)."""
    note = (note or "").strip()
    if not note and not photos:
        raise CaseError(_("请填写补充内容或上传照片。"))
    if case.status in (S.ARCHIVED, S.CANCELLED, S.MERGED):
        raise CaseError(_("诉求已结束，不能再补充。如有新情况请重新反映。"))
    if case.paused_at is not None and case.status in Case.HANDLING_STATUSES:
        case_resume(case=case, by=by, note=_("居民已补充信息，恢复计时。"))
    event = _event(case, by=by, kind=K.INFO_ADDED, note=note, data=data)
    for upload in photos or ():
        attachment_add(case=case, file=upload, kind=Attachment.Kind.INFO, by=by, event=event)
    _audit(case, by, "add_info")
    return event


@transaction.atomic
def consent_round_open(*, case, by, title, description="") -> ConsentRound:
    """方案征询: put a plan affecting residents to them."""
    _require(can_handle(by, case))
    if not (title or "").strip():
        raise CaseError(_("请填写方案名称。"))
    rnd = ConsentRound.objects.create(case=case, title=title.strip(), description=description, opened_by=by)
    _event(case, by=by, kind=K.CONSENT, note=_("发起方案征询：%(t)s") % {"t": rnd.title}, data={"round": rnd.pk})
    _audit(case, by, "consent_open", round=rnd.pk)
    return rnd


@transaction.atomic
def consent_record(*, round, by, name, agrees, channel, address_text="", resident=None, note="", at=None) -> Consent:
    """Record one resident's answer (who, agree or not, when, by what channel)."""
    case = round.case
    _require(can_handle(by, case))
    if round.closed_at:
        raise CaseError(_("本轮方案征询已结束。"))
    name = (name or "").strip() or (resident.name if resident else "")
    if not name:
        raise CaseError(_("请填写居民姓名。"))
    if channel not in Consent.Channel.values:
        raise CaseError(_("请选择征询方式。"))
    if Consent.objects.filter(round=round, name=name, address_text=address_text).exists():
        raise CaseError(_("%(name)s（%(addr)s）在本轮征询中已有记录。") % {"name": name, "addr": address_text or "-"})
    consent = Consent.objects.create(
        round=round,
        resident=resident,
        name=name,
        address_text=address_text,
        agrees=bool(agrees),
        channel=channel,
        at=at or _now(),
        note=note,
        recorded_by=by,
    )
    _event(
        case,
        by=by,
        kind=K.CONSENT,
        is_public=False,
        note=_("%(name)s（%(addr)s）%(answer)s，方式：%(channel)s。")
        % {
            "name": name,
            "addr": address_text or "-",
            "answer": _("同意") if agrees else _("不同意"),
            "channel": consent.get_channel_display(),
        },
        data={"round": round.pk, "consent": consent.pk, "agrees": bool(agrees)},
    )
    _audit(case, by, "consent_record", round=round.pk, agrees=bool(agrees))
    return consent


@transaction.atomic
def consent_round_close(*, round, by) -> ConsentRound:
    _require(can_handle(by, round.case))
    if round.closed_at:
        raise CaseError(_("本轮方案征询已结束。"))
    round.closed_at = _now()
    round.save(update_fields=["closed_at"])
    t = round.tally()
    _event(
        round.case,
        by=by,
        kind=K.CONSENT,
        note=_("方案征询“%(title)s”结束：同意 %(a)d 户，不同意 %(d)d 户。")
        % {"title": round.title, "a": t["agree"], "d": t["disagree"]},
    )
    return round


# ----------------------------------------------------------------------------------------------
# public tracking codes
# ----------------------------------------------------------------------------------------------
CODE_TTL = datetime.timedelta(minutes=10)
CODE_ATTEMPTS = 5


@transaction.atomic
def tracking_code_send(*, case) -> TrackingCode:
    """Send a 6-digit code to the reporter's phone (only ever the phone on the case)."""
    recent = TrackingCode.objects.filter(case=case, created_at__gte=_now() - datetime.timedelta(minutes=1)).exists()
    if recent:
        raise CaseError(_("验证码刚刚已发送，请一分钟后再试。"))
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = TrackingCode.objects.create(case=case, code_hash=crypto.lookup_hash(f"{case.pk}:{code}"))
    _notify(
        case.reporter_phone,
        _("【民呼】查询诉求 %(number)s 的验证码：%(code)s，10 分钟内有效。") % {"number": case.number, "code": code},
        purpose="verification",
        related=case,
    )
    return row


def tracking_code_check(*, case, code) -> bool:
    """True for the right code; otherwise CaseError. Wrong tries are counted (committed even though
    the call fails), five of them void the code."""
    error = None
    with transaction.atomic():
        row = (
            TrackingCode.objects.select_for_update()
            .filter(case=case, used_at__isnull=True, created_at__gte=_now() - CODE_TTL)
            .order_by("-created_at")
            .first()
        )
        if row is None:
            error = _("验证码已过期，请重新获取。")
        elif row.attempts >= CODE_ATTEMPTS:
            error = _("验证码错误次数过多，请重新获取。")
        elif crypto.lookup_hash(f"{case.pk}:{(code or '').strip()}") != row.code_hash:
            TrackingCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            error = _("验证码不正确。")
        else:
            TrackingCode.objects.filter(pk=row.pk).update(used_at=_now())
    if error:
        raise CaseError(error)
    return True


# ----------------------------------------------------------------------------------------------
# deadline sweep (called by cases.tasks)
# ----------------------------------------------------------------------------------------------
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
                _notify(_user_contact(user), body, purpose="case.overdue", related=case)
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
