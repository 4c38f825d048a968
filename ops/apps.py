from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What keeps the deployment honest about itself: the periodic scheduler's lease, when each periodic job
    last ran, and the check value of the field-encryption key (docs/reliability.md)."""

    name = "ops"
    verbose_name = "运行状态"
    default_auto_field = "django.db.models.BigAutoField"
