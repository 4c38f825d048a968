"""API authentication."""

from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from lib import db

from .models import User


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with the token and its user read by one hand-written statement: the ORM query
    cost about a third of the app server's CPU for a queue call-next (events/api.py, bench/bench_queue.py). The
    API's default (settings.REST_FRAMEWORK), so every token-authenticated call saves it.
    Same answers as DRF's: an unknown token or an inactive user is refused with DRF's messages."""

    def authenticate_credentials(self, key):
        token_model = self.get_model()
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT t.{quote('created')}, {db.columns(User, 'u')} FROM {quote(token_model._meta.db_table)} t"
                f" JOIN {quote(User._meta.db_table)} u ON u.{quote(User._meta.pk.column)} = t.{quote('user_id')}"
                " WHERE t.key = %s",
                [key],
            )
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = db.instance(User, row[1:])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = token_model.from_db(connection.alias, ["key", "user_id", "created"], [key, user.pk, row[0]])
        token.user = user
        return user, token
