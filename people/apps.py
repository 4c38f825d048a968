from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("居民与户")

    def ready(self):
        # Importers register themselves by kind (people.imports.register); any app may add one
        # in its own importers.py (renewal's certificate import does).
        autodiscover_modules("importers")
