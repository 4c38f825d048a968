"""Password rules beyond Django's (AUTH_PASSWORD_VALIDATORS): the first password anyone tries on Minhu is made
of its own name ("minhu123", "Minhu@2026"), so a password holding the system's name is refused."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SYSTEM_NAMES = ("minhu", "民呼")


class SystemNameValidator:
    def validate(self, password, user=None):
        folded = re.sub(r"[\W_0-9]+", "", (password or "").lower())
        if any(name in folded for name in SYSTEM_NAMES):
            raise ValidationError(_("密码不能包含系统名称（minhu、民呼）。"), code="password_has_system_name")

    def get_help_text(self):
        return _("密码不能包含系统名称（minhu、民呼）。")
