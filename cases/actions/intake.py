"""受理: recording needs, one (``case_create``) or a batch (``case_create_many``), with their timeline, audit
entries, routing-rule dispatch and messages written in a fixed handful of statements."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import build as audit_entry
from lib import phone
from notify.contact import channel_of
from notify.services import deliver_after_commit, message_rows
from org.actors import Actor, user_of
from org.models import Region, Unit
from people.models import Address, Resident

from .. import deadlines, search, sql
from ..errors import CaseError
from ..models import (
    Attachment,
    Case,
    Category,
    RoutingRule,
)
from ..routing import find_routing_rule, resolve_category
from ..signals import cases_created
from .base import K, S, _event_row, _now, attachment_add
from .tracking import tracking_url


@transaction.atomic
def case_create(
    *,
    title: str,
    description: str,
    region: Region,
    channel: str,
    by: Actor = None,
    category: Category | str | None = None,
    urgency: str = "normal",
    resident: Resident | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    address: Address | None = None,
    source: Model | None = None,
    due_minutes: int | None = None,
    idempotency_key: str | None = None,
    photos=(),
    location_text: str = "",
) -> tuple[Case, bool]:
    """Record a need: ``(case, created)``. Routing rules dispatch it at once where they decide; otherwise
    it waits in the dispatcher's inbox. The same ``idempotency_key`` twice answers with the first case,
    unchanged, and ``created`` False (the caller answers "already recorded")."""
    intake = {name: value for name, value in locals().items() if name != "photos"}  # the arguments above
    case, created = case_create_many([intake])[0]
    if created:
        for upload in photos or ():
            attachment_add(case=case, file=upload, kind=Attachment.Kind.INTAKE, by=by)
    return case, created


@dataclass
class _Intake:
    """One need being recorded by ``case_create_many``: the unsaved case and what follows from it."""

    case: Case
    by: Actor
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
        created_by=user_of(by),
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
        phone=phone.normalize(reporter_phone),
    )


@transaction.atomic(savepoint=False)  # inside a caller's transaction, a failure spoils it (as any failed INSERT would)
def case_create_many(intakes: list[dict]) -> list[tuple[Case, bool]]:
    """Record many needs (each a dict of ``case_create``'s arguments, plus ``at``, the moment the
    need was received) with the same cases, timeline, audit log and messages as ``case_create``
    one by one, in a fixed handful of statements: one INSERT per table for the whole batch.
    ``case_create`` is this with one intake; the Open311 intake worker sends its batches here.

    An intake may carry ``audit``: the action and detail of one more audit entry about its case, by
    the same actor, written in the same INSERT (Open311 records which partner sent it); and ``also``:
    a function of its new case returning more unsaved rows, written in the same statement as the
    timeline (Open311's request row). Neither is used for a replayed key.

    Returns ``(case, created)`` for each intake, in order. Idempotency keys already used answer with
    the first case and ``created`` False; a key used twice in the batch, or taken by a concurrent
    writer meanwhile, falls back to one intake at a time."""
    keys = [kw["idempotency_key"] for kw in intakes if kw.get("idempotency_key")]
    if len(set(keys)) != len(keys) and len(intakes) > 1:
        return [case_create_many([kw])[0] for kw in intakes]
    # Keys already used answer with their first case. PostgreSQL needs no probe first: there the
    # INSERT skips a taken key (insert_unless_taken below), which answers a replay the same way.
    known = _cases_by_key(keys) if not sql.fast() else {}
    batch = _Batch()
    out: list[tuple[Case, bool]] = []
    new: list[_Intake] = []
    for kw in intakes:
        key = kw.get("idempotency_key")
        if key and key in known:
            out.append((known[key], False))
            continue
        intake = _new_case(**{k: v for k, v in kw.items() if k not in ("audit", "also")}, batch=batch)
        intake.audit, intake.also = kw.get("audit"), kw.get("also")
        new.append(intake)
        out.append((intake.case, True))
    if not new:
        return out
    cases = [i.case for i in new]
    numbered = _number_ahead(cases)
    try:
        if keys and numbered:  # PostgreSQL: a key taken meanwhile skips its row instead of failing
            taken = {id(c) for c in sql.insert_unless_taken(cases, "idempotency_key")}
            if taken:
                _answer_with_first_cases(out, taken)
                new = [i for i in new if id(i.case) not in taken]
                cases = [i.case for i in new]
                if not new:
                    return out
        elif keys:
            with transaction.atomic():  # a savepoint: a key taken meanwhile must not poison the caller
                sql.insert(cases)
        else:
            sql.insert(cases)
    except IntegrityError:
        if len(intakes) > 1:
            return [case_create_many([kw])[0] for kw in intakes]
        existing = Case.objects.filter(idempotency_key=intakes[0].get("idempotency_key") or None).first()
        if existing is None:
            raise
        return [(existing, False)]  # a concurrent request with the same key won: answer with its case
    if not numbered:
        for case in cases:
            case.number = _case_number(case)
        Case.objects.bulk_update(cases, ["number"])
    _write_intake_effects(new)
    cases_created.send(sender=Case, cases=cases)
    return out


def _answer_with_first_cases(out: list, taken: set) -> None:
    """Put the first case of each key in ``out`` where a concurrent writer took the key (``taken``:
    ids of the unsaved cases that lost), with ``created`` False."""
    lost = [c for c, _created in out if id(c) in taken]
    firsts = _cases_by_key([c.idempotency_key for c in lost])
    for n, (case, _created) in enumerate(out):
        if id(case) in taken:
            out[n] = (firsts[case.idempotency_key], False)


def _cases_by_key(keys: list[str]) -> dict:
    """{idempotency key: case} of the keys already used."""
    if not keys:
        return {}
    return {c.idempotency_key: c for c in Case.objects.filter(idempotency_key__in=keys)}


def _case_number(case) -> str:
    return f"MH{timezone.localtime(case.created_at):%Y}-{case.pk:06d}"


def _number_ahead(cases: list[Case]) -> bool:
    """On PostgreSQL take the cases' ids from the table's sequence before the INSERT, so each row is
    written once with its number; elsewhere the number is set after the INSERT gives the id."""
    if not sql.fast():
        return False
    for case, pk in zip(cases, sql.reserve_ids(Case, len(cases)), strict=True):
        case.pk = pk
        case.number = _case_number(case)
    return True


def _write_intake_effects(intakes: list[_Intake]) -> None:
    """Timeline, co-units, audit log and messages of freshly inserted cases: one INSERT per table,
    all in one statement on PostgreSQL."""
    events: list = []
    audits: list = []
    messages: list[dict] = []
    co_links: list = []
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
        unit = cast(Unit, case.main_unit)  # a rule dispatched it, and every rule has a main unit
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
    rows = message_rows([{**m, "channel": channel_of(m["to"])} for m in messages])
    more: dict[type, list] = {}
    for i in intakes:
        for row in i.also(i.case) if i.also else ():
            more.setdefault(type(row), []).append(row)
    sql.insert_all(events, co_links, audits, rows, *more.values())  # one statement on PostgreSQL
    deliver_after_commit(rows)
