"""The care panel on the home page: open safety alerts (someone did not answer the door)."""

from django.template.loader import render_to_string

from .models import SafetyAlert
from .selectors import is_care_staff


def panel(request):
    if not is_care_staff(request.user):
        return None
    alerts = list(SafetyAlert.objects.visible_to(request.user).open().select_related("recipient__resident")[:20])
    if not alerts:
        return None
    return render_to_string("care/_panel.html", {"alerts": alerts}, request=request)
