"""Page-level access by role. Object-level access (404 out of scope) lives in ``org.scoping``.

The rule (docs/decisions.md, "A page your role may not use answers 403"): a page or endpoint limited to some roles
answers 403 with the site's page saying so (templates/403.html); an object outside the user's regions answers 404,
exactly like a missing one.
"""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


def holds_role(user, *roles) -> bool:
    """Whether ``user`` is logged in and holds one of ``roles`` (superusers always do)."""
    return bool(user and user.is_authenticated and (user.is_superuser or user.has_role(*roles)))


def role_required(*roles):
    """View decorator: the user must be logged in and hold one of ``roles``.

    Anonymous users are sent to the login page; users without the role get 403.
    """

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not holds_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def has_role_permission(*roles) -> type[BasePermission]:
    """DRF permission class: authenticated and holding one of ``roles``."""

    class HasRole(BasePermission):
        def has_permission(self, request, view):
            return holds_role(request.user, *roles)

    HasRole.__name__ = "HasRole_" + "_".join(sorted(str(r) for r in roles))
    return HasRole
