"""The bookings panel on the home page: my next bookings and offers; for staff, requests awaiting approval."""

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Booking, WaitlistEntry
from .selectors import pending_for


def panel(request):
    user = request.user
    if not user.is_authenticated:
        return None
    now = timezone.now()
    upcoming = list(
        Booking.objects.filter(user=user, end__gte=now, status__in=Booking.ACTIVE_STATUSES)
        .select_related("resource")
        .order_by("start")[:3]
    )
    offers = list(
        WaitlistEntry.objects.filter(
            user=user, status=WaitlistEntry.Status.OFFERED, offer_expires_at__gt=now
        ).select_related("resource")
    )
    pending = pending_for(user).count()
    if not (upcoming or offers or pending):
        return None
    return render_to_string(
        "resources/_panel.html", {"upcoming": upcoming, "offers": offers, "pending": pending}, request=request
    )
