from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = _("智能分析")

    def ready(self):
        from django.db.models.signals import post_save

        from cases.models import Case

        post_save.connect(_case_saved, sender=Case, dispatch_uid="insight.suggest_on_create")


def _case_saved(sender, instance, created, raw=False, **kwargs):
    """A new case gets its category suggestion once the intake transaction commits."""
    from django.conf import settings
    from django.db import transaction

    if not created or raw or not getattr(settings, "MINHU_INSIGHT_SUGGEST_ON_CREATE", True):
        return
    from .tasks import suggest_case

    pk = instance.pk
    transaction.on_commit(lambda: suggest_case(pk))
