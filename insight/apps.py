from django.apps import AppConfig
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = _("智能分析")

    def ready(self):
        from django.db.models.signals import post_save

        from cases.models import Case
        from cases.signals import cases_created

        post_save.connect(_case_saved, sender=Case, dispatch_uid="insight.suggest_on_create")
        cases_created.connect(_cases_created, dispatch_uid="insight.suggest_on_intake")


def _suggest_on_commit(pks: list[int]) -> None:
    if not pks or not getattr(settings, "MINHU_INSIGHT_SUGGEST_ON_CREATE", True):
        return
    from .tasks import suggest_cases

    transaction.on_commit(lambda: suggest_cases(pks))


def _case_saved(sender, instance, created, raw=False, **kwargs):
    """A case saved on its own (not through cases.actions.intake) gets its suggestion after commit."""
    if created and not raw:
        _suggest_on_commit([instance.pk])


def _cases_created(sender, cases, **kwargs):
    """Cases recorded through cases.actions.intake get their category suggestions after commit, one task per batch."""
    _suggest_on_commit([c.pk for c in cases])
