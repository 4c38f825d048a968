"""The cases fixtures (routing rules, a case maker) for the intake tests here."""

from cases.tests.conftest import categories, make_case, repair, routed  # noqa: F401
