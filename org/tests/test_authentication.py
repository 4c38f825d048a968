"""API token authentication: one statement reads the token, its user and the user's roles."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from org.authentication import TokenAuthentication
from org.models import Role


def test_token_brings_its_user_and_roles_in_one_statement(users, django_assert_num_queries):
    key = Token.objects.create(user=users["worker"]).key
    with django_assert_num_queries(1):
        user, token = TokenAuthentication().authenticate_credentials(key)
        assert user == users["worker"] and token.key == key and token.user is user
        assert user.roles() == {Role.WORKER} and user.has_role(Role.WORKER, Role.STAFF)
    assert users["worker"].roles() == user.roles()  # what the ORM reads for the same user


def test_a_user_without_memberships_and_a_superuser(users, django_assert_num_queries):
    users["worker"].memberships.all().delete()
    users["worker"].is_superuser = True
    users["worker"].save()
    key = Token.objects.create(user=users["worker"]).key
    with django_assert_num_queries(1):
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
