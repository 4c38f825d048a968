from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeedsConfig(AppConfig):
    name = "deeds"
    verbose_name = _("实事项目")
