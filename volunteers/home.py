"""The volunteers panel on the home page: a volunteer's tasks to confirm; staff's sign-ups and corrections to decide."""

from django.template.loader import render_to_string

from .models import Assignment, ServiceCorrection, ServiceRecord, Volunteer
from .selectors import is_staff


def panel(request):
    user = request.user
    context = {}
    own = Volunteer.objects.filter(user=user).first()
    if own is not None:
        context["offers"] = own.assignments.filter(status=Assignment.Status.OFFERED).count()
        context["hours"] = own.total_hours()
    if is_staff(user):
        context["pending"] = Volunteer.objects.visible_to(user).filter(status=Volunteer.Status.PENDING).count()
        records = ServiceRecord.objects.visible_to(user)
        context["corrections"] = ServiceCorrection.objects.filter(
            status=ServiceCorrection.Status.PENDING, record__in=records
        ).count()
        context["unverified"] = records.current().filter(verified_at__isnull=True).count()
    if not any(context.values()):
        return None
    return render_to_string("volunteers/_panel.html", context, request=request)
