from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from events.calendar import entry
from events.models import ServiceEvent
from events.selectors import get_event_for_user
from lib import ical

from . import selectors, services
from .models import CalendarFeed

FEED_LABELS = {"bookings": "我的预约", "shifts": "我的志愿服务", "service-days": "服务活动"}


def _ics(text: str, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    if attachment:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"  # personal data: no shared cache keeps a copy
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def feeds(request):
    """日历订阅: issue, replace or stop one's secret feed address; the address is shown once."""
    token = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if services.feed_revoke(user=request.user, by=request.user):
                messages.success(request, _("订阅链接已停用，日历应用将不再收到更新。"))
        else:
            token = services.feed_issue(user=request.user, by=request.user)
    site = settings.SITE_URL.rstrip("/")
    links = [
        {
            "label": label,
            "download": reverse("calendars:download", args=[kind]),
            "feed": site + reverse("calendars:feed", args=[token, kind]) if token else "",
        }
        for kind, label in FEED_LABELS.items()
    ]
    feed = CalendarFeed.objects.filter(user=request.user).first()
    return render(request, "calendars/feeds.html", {"links": links, "feed": feed, "token": token})


@never_cache
def feed(request, token, kind):
    """What a calendar app polls: no login, the secret in the address; 404 for anything else."""
    user = selectors.feed_user(token)
    text = selectors.feed_text(user, kind) if user is not None else None
    if text is None:
        raise Http404
    return _ics(text, f"{kind}.ics", attachment=False)


@login_required
def download(request, kind):
    text = selectors.feed_text(request.user, kind)
    if text is None:
        raise Http404
    return _ics(text, f"{kind}.ics", attachment=True)


def _service_day(event: ServiceEvent, link: str) -> HttpResponse:
    text = ical.calendar(event.title, [entry(event, link=link)])
    return _ics(text, f"service-day-{event.pk}.ics", attachment=True)


@login_required
def service_day(request, pk):
    event = get_event_for_user(request.user, pk)
    return _service_day(event, settings.SITE_URL.rstrip("/") + reverse("events:event_detail", args=[event.pk]))


def public_service_day(request, token):
    """The download button of a service day's public page (reached from its QR code)."""
    event = get_object_or_404(ServiceEvent.objects.select_related("organiser"), public_token=token)
    return _service_day(event, settings.SITE_URL.rstrip("/") + reverse("events:public", args=[token]))
