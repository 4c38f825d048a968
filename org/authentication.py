"""API authentication."""

from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from lib import db

from .models import Membership, User


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with the token and its user read by one hand-written statement: the ORM query
    cost about a third of the app server's CPU for a queue call-next (events/api.py, bench/bench_queue.py). The
    API's default (settings.REST_FRAMEWORK), so every token-authenticated call saves it; the user's roles are read
    in the same statement.
    Same answers as DRF's: an unknown token or an inactive user is refused with DRF's messages."""

    def authenticate_credentials(self, key):
        token_model = self.get_model()
        quote = connection.ops.quote_name
        tokens = quote(token_model._meta.db_table)
        with connection.cursor() as cursor:
            # one row per membership (or one with no role): the roles come along for the permission checks
            cursor.execute(
                f"SELECT t.{quote('created')}, {db.columns(User, 'u')}, m.role FROM {tokens} t"
                f" JOIN {quote(User._meta.db_table)} u ON u.{quote(User._meta.pk.column)} = t.{quote('user_id')}"
                f" LEFT JOIN {quote(Membership._meta.db_table)} m ON m.user_id = u.id WHERE t.key = %s",
                [key],
            )
            rows = cursor.fetchall()
        if not rows:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        row = rows[0]
        user = db.instance(User, row[1:-1])
        user.remember_roles(r[-1] for r in rows if r[-1] is not None)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = token_model.from_db(connection.alias, ["key", "user_id", "created"], [key, user.pk, row[0]])
        token.user = user
        return user, token
