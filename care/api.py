"""REST API of the care app: deliberately none.

Who would call it: volunteers confirm deliveries and visits on the phone pages (``care:my_stops``,
``care:visit_new``, htmx, with a no-JavaScript fallback), staff work on the care pages, and the
escalation chain runs in the task queue. No outside system (kitchen software, a city platform)
needs these records today, and an API over vulnerable people's addresses, key holders and health
would widen who can read them. When such a client appears, add read-only, region-scoped endpoints
here (``visible_to(user)``), with writes through ``care.actions`` like the pages.
"""

urlpatterns: list = []
