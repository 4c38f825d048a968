"""The one way a page runs a POSTed form through a service and tells the person what happened.

It lives in ``lib`` (pure helpers, no models) rather than in ``org``: it needs only Django's forms and messages
framework, and any app's views may use it without importing another app. docs/architecture.md, "Views".
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def form_action(
    request: HttpRequest, form: forms.BaseForm, act: Callable[[dict], object], done: str | Callable[[object], str] = ""
) -> bool:
    """Validate ``form``; if it is valid call ``act(form.cleaned_data)`` (which calls one service and returns its
    result) and report the outcome as messages shown on the next page. Returns whether the service ran.

    - the form is invalid: each error becomes a message, prefixed with its field's label ("签约时间：…");
    - the service raises ``ValidationError``: each of its Chinese messages becomes an error message;
    - otherwise ``done`` becomes a success message: a text, or a function of the service's result for a text that
      names what was made (a case number); an empty text adds no message.

    The view redirects afterwards whatever the outcome (the form was on another page)::

        form = PauseForm(request.POST)
        form_action(request, form, lambda data: meals.pause_add(recipient=r, by=request.user, **data), _("已暂停。"))
        return redirect("care:recipient", pk=r.pk)
    """
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)  # type: ignore[arg-type]  # ErrorList yields text
        return False
    try:
        result = act(form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return False
    text = done(result) if callable(done) else done
    if text:
        messages.success(request, text)
    return True


def redirect_back(request, default, *args):
    """Redirect to the page named by the POSTed (or queried) ``next`` when it is on this site, else to
    ``default`` (a URL name with ``args``, or a path). A ``next`` pointing elsewhere (``https://evil.example/``,
    ``//evil.example``, ``/\\evil.example``) is ignored: the form must not be a way to send staff to another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default, *args)
