"""API token authentication is DRF's own: the token and its user in one query, the roles when first asked."""

import pytest
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.settings import api_settings

from org.models import Role


def test_the_api_authenticates_with_drfs_token_class():
    assert TokenAuthentication in api_settings.DEFAULT_AUTHENTICATION_CLASSES


def test_token_brings_its_user_then_the_roles(users, django_assert_num_queries):
    key = Token.objects.create(user=users["worker"]).key
    with django_assert_num_queries(2):  # token with its user; the memberships' roles
        user, token = TokenAuthentication().authenticate_credentials(key)
        assert user == users["worker"] and token.key == key and token.user is user
        assert user.roles() == {Role.WORKER} and user.has_role(Role.WORKER, Role.STAFF)


def test_a_user_without_memberships_and_a_superuser(users):
    users["worker"].memberships.all().delete()
    users["worker"].is_superuser = True
    users["worker"].save()
    key = Token.objects.create(user=users["worker"]).key
    user, _ = TokenAuthentication().authenticate_credentials(key)
    assert user.roles() == {Role.ADMIN}


def test_unknown_token_and_inactive_user_are_refused(users):
    with pytest.raises(AuthenticationFailed):
        TokenAuthentication().authenticate_credentials("nope")
    key = Token.objects.create(user=users["worker"]).key
    users["worker"].is_active = False
    users["worker"].save()
    with pytest.raises(AuthenticationFailed):
        TokenAuthentication().authenticate_credentials(key)
