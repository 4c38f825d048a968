"""The refusals of the case workflow: every action raises these with a message for the person who asked."""

from django.core.exceptions import ValidationError


class CaseError(ValidationError):
    """A request the workflow refuses, with a message for the person who asked."""


class CaseConflict(CaseError):
    """Someone else changed the case first."""
