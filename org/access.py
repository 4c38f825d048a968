"""Page-level access by role. Object-level access (404 out of scope) lives in ``org.scoping``."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


def role_required(*roles):
    """View decorator: the user must be logged in and hold one of ``roles`` (superusers always pass).

    Anonymous users are sent to the login page; users without the role get 403.
    """

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not (request.user.is_superuser or request.user.has_role(*roles)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def has_role_permission(*roles) -> type[BasePermission]:
    """DRF permission class: authenticated and holding one of ``roles``."""

    class HasRole(BasePermission):
        def has_permission(self, request, view):
            user = request.user
            return bool(user and user.is_authenticated and (user.is_superuser or user.has_role(*roles)))

    HasRole.__name__ = "HasRole_" + "_".join(sorted(str(r) for r in roles))
    return HasRole
