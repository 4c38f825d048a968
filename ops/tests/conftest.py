"""The cases and events fixtures (routing rules, a case maker, a service day's desks) for the tests here."""

from cases.tests.conftest import categories, make_case, repair, routed  # noqa: F401
from events.tests.conftest import desks, event  # noqa: F401
