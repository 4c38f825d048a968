"""方案征询: a plan affecting residents put to them, one answer per household, tallied when the round closes."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from org.actors import Actor, user_of
from people.models import Resident

from ..errors import CaseError
from ..models import (
    Case,
    Consent,
    ConsentRound,
)
from ..permissions import _require, can_handle
from .base import K, _audit, _event, _now


@transaction.atomic
def consent_round_open(*, case: Case, by: Actor, title: str, description: str = "") -> ConsentRound:
    """方案征询: put a plan affecting residents to them."""
    _require(can_handle(by, case))
    if not (title or "").strip():
        raise CaseError(_("请填写方案名称。"))
    rnd = ConsentRound.objects.create(case=case, title=title.strip(), description=description, opened_by=user_of(by))
    _event(case, by=by, kind=K.CONSENT, note=_("发起方案征询：%(t)s") % {"t": rnd.title}, data={"round": rnd.pk})
    _audit(case, by, "consent_open", round=rnd.pk)
    return rnd


@transaction.atomic
def consent_record(
    *,
    round: ConsentRound,
    by: Actor,
    name: str,
    agrees: bool,
    channel: str,
    address_text: str = "",
    resident: Resident | None = None,
    note: str = "",
    at: datetime.datetime | None = None,
) -> Consent:
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
        recorded_by=user_of(by),
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
def consent_round_close(*, round: ConsentRound, by: Actor) -> ConsentRound:
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
