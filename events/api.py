"""REST API of the queue: take a number (public, like the QR page) and call the next one (desk staff).

Kiosks and the load test (bench/bench_queue.py) use these; they call the same services as the pages.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.response import Response

from lib.client_ip import client_ip
from org.models import STAFF_ROLES

from . import services
from .models import Desk, QueueTicket
from .selectors import get_desk_for_user
from .throttle import take_refused


class TakeIn(serializers.Serializer):
    # The event's QR token (the `p/<token>/` of its public page): only someone who saw the QR code takes a number.
    event_token = serializers.CharField(max_length=24)
    name = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    priority_reason = serializers.ChoiceField(
        choices=[("", "")] + list(QueueTicket.PriorityReason.choices), required=False, default=""
    )
    # A stable id of the resident's device (kiosks send their own); one open ticket per id per desk.
    client_id = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class TicketOut(serializers.ModelSerializer):
    """The shape of a ticket in answers (documents the schema; ``ticket_data`` writes it)."""

    # A field, not the serializer's own ``label``: the serializer metaclass moves it into _declared_fields.
    label = serializers.CharField()  # type: ignore[assignment]

    class Meta:
        model = QueueTicket
        fields = ["id", "number", "label", "status", "token", "issued_at", "priority"]


_issued_at = serializers.DateTimeField()


def ticket_data(ticket: QueueTicket) -> dict:
    """TicketOut's fields without building a ModelSerializer per answer: these two endpoints are the
    hot path of a service day (bench/bench_queue.py), and the serializer cost about 1 ms of CPU each."""
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "label": ticket.label,
        "status": ticket.status,
        "token": ticket.token,
        "issued_at": _issued_at.to_representation(ticket.issued_at),
        "priority": ticket.priority,
    }


@extend_schema(request=TakeIn, responses={201: TicketOut})
@api_view(["POST"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
@throttle_classes([])  # limited per device and per address at each event instead (events.throttle)
def take(request, desk_pk):
    data = TakeIn(data=request.data)
    data.is_valid(raise_exception=True)
    d = data.validated_data
    # One indexed read: the desk must belong to the event whose QR token was shown (else: no such desk).
    event_id = (
        Desk.objects.filter(pk=desk_pk, event__public_token=d["event_token"]).values_list("event_id", flat=True).first()
    )
    if event_id is None:
        raise Http404
    if take_refused(event_id=event_id, device=d["client_id"], ip=client_ip(request)):
        return Response(
            {"detail": _("取号太频繁，请稍后再试；如需帮助请到现场签到处。")},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(settings.TAKE_WINDOW)},
        )
    try:
        ticket = services.ticket_take(
            desk=desk_pk,  # the service finds out whether the desk exists: no read before it
            name=d["name"],
            phone=d["phone"],
            priority_reason=d["priority_reason"],
            session_key=d["client_id"],
        )
    except Desk.DoesNotExist:
        raise Http404 from None
    except services.AlreadyQueued as exc:
        return Response({"detail": exc.messages[0], "ticket": ticket_data(exc.ticket)}, status=409)
    except ValidationError as exc:
        return Response({"detail": "；".join(exc.messages)}, status=400)
    return Response(ticket_data(ticket), status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses={200: TicketOut, 204: None})
@api_view(["POST"])
@authentication_classes([TokenAuthentication, SessionAuthentication])
@permission_classes([permissions.IsAuthenticated])
def call_next(request, desk_pk):
    desk = get_desk_for_user(request.user, desk_pk, roles=STAFF_ROLES)
    ticket = services.ticket_call_next(desk=desk, by=request.user)
    if ticket is None:
        return Response(status=status.HTTP_204_NO_CONTENT)
    return Response(ticket_data(ticket))


urlpatterns = [
    path("events/desks/<int:desk_pk>/take/", take, name="events-take"),
    path("events/desks/<int:desk_pk>/call-next/", call_next, name="events-call-next"),
]
