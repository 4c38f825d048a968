"""The events panel on the home page: service days running now or coming up, with their queues."""

from django.template.loader import render_to_string
from django.utils import timezone

from volunteers.selectors import is_staff

from .models import QueueTicket, ServiceEvent


def panel(request):
    if not is_staff(request.user):
        return None
    events = list(
        ServiceEvent.objects.visible_to(request.user)
        .exclude(status=ServiceEvent.Status.CLOSED)
        .filter(ends_at__gte=timezone.now() - timezone.timedelta(days=1))
        .order_by("starts_at")[:5]
    ) or list(ServiceEvent.objects.visible_to(request.user).filter(status=ServiceEvent.Status.OPEN)[:5])
    if not events:
        return None
    for e in events:
        e.waiting = QueueTicket.objects.filter(desk__event=e, status=QueueTicket.Status.WAITING).count()
    return render_to_string("events/_panel.html", {"events": events}, request=request)
