"""Signals other apps listen to (the cases app imports none of them)."""

from django.dispatch import Signal

# Sent by cases.actions.intake.case_create_many after it wrote new cases (inside the writing transaction):
# ``cases`` is the list of saved Case instances. Bulk inserts send no post_save, so this is the
# one hook for "a case was recorded" (insight suggests a category for each).
cases_created = Signal()
