"""Writing the audit log. Services call ``record`` inside their own transaction, so a change and
its audit entry commit or roll back together."""

from collections.abc import Collection
from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from lib.client_ip import client_ip
from lib.masking import mask_text
from org.actors import Actor, user_of
from org.models import Region

from .models import AuditEntry


def record(*, actor: Actor, action: str, **more: Any) -> AuditEntry:
    """Append one entry (``build``'s arguments: kind, obj, region, detail, request). ``detail`` must
    not hold personal identifiers; free text in it is masked."""
    entry = build(actor=actor, action=action, **more)
    entry.save()
    return entry


def build(
    *,
    actor: Actor,
    action: str,
    kind: str = AuditEntry.Kind.CHANGE,
    obj: Model | None = None,
    region: Region | None = None,
    detail: dict | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """The unsaved entry ``record`` appends, for callers that append many at once (bulk_create)."""
    detail = {k: mask_text(v) if isinstance(v, str) else v for k, v in (detail or {}).items()}
    if region is None and obj is not None:
        # A region's own entries belong to it; everything else to the region it carries.
        region = obj if isinstance(obj, Region) else getattr(obj, "region", None)
    user = user_of(actor)  # the system, a resident or a partner system: no actor, no name (detail says more)
    return AuditEntry(
        actor=user,
        actor_name=str(user) if user else "",
        kind=kind,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=mask_text(str(obj))[:200] if obj is not None else "",
        region=region,
        detail=detail,
        ip=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:200] if request is not None else ""),
    )


def record_view(
    *, actor: Actor, obj: Model, request: HttpRequest | None = None, detail: dict | None = None
) -> AuditEntry:
    return record(
        actor=actor,
        action=f"{obj._meta.label_lower}.view",
        kind=AuditEntry.Kind.VIEW,
        obj=obj,
        request=request,
        detail=detail,
    )


def record_read(
    *,
    actor: Actor,
    action: str,
    obj: Model | None = None,
    ids: Collection[int | str] = (),
    region: Region | None = None,
    request: HttpRequest | None = None,
) -> AuditEntry:
    """One entry for one read of personal records (kind "read"): a detail page or edit form (``obj``), a list page,
    sheet or API answer (``ids`` of the records shown, never their identifiers). Who read which record, when."""
    detail = {"条数": len(ids), "编号": [int(i) if str(i).isdigit() else str(i) for i in ids][:200]} if ids else None
    return record(
        actor=actor, action=action, kind=AuditEntry.Kind.READ, obj=obj, region=region, request=request, detail=detail
    )
