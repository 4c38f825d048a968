"""Long renovation work in the task queue: the whole-plot estimate."""

from huey.contrib.djhuey import db_task

from org.models import User

from . import services
from .models import RenewalProject


@db_task()
def project_estimate_task(project_id: int, user_id: int | None = None) -> dict:
    project = RenewalProject.objects.get(pk=project_id)
    by = User.objects.filter(pk=user_id).first() if user_id else None
    return services.project_estimate(project=project, by=by)
