"""lib.forms.form_action: what a person reads after posting a form, for each way it can end."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from lib.forms import form_action


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", max_length=10)


def posted(data):
    request = RequestFactory().post("/", data)
    request._messages = CookieStorage(request)
    return request


def shown(request):
    return [(m.level_tag, m.message) for m in get_messages(request)]


def test_an_invalid_form_reports_each_error_with_its_label_and_calls_nothing():
    called = []
    request = posted({"note": ""})
    assert form_action(request, NoteForm(request.POST), called.append, "已保存。") is False
    assert called == [] and shown(request) == [("error", "说明：该字段是必填项。")]


def test_the_services_reasons_are_reported_one_by_one():
    def refuse(data):
        raise ValidationError(["该预警已关闭。", "请刷新页面。"])

    request = posted({"note": "上门见到本人"})
    assert form_action(request, NoteForm(request.POST), refuse, "已确认。") is False
    assert shown(request) == [("error", "该预警已关闭。"), ("error", "请刷新页面。")]


def test_success_says_done_or_what_the_service_made():
    request = posted({"note": "上门见到本人"})
    assert form_action(request, NoteForm(request.POST), lambda data: data["note"], "已确认。") is True
    assert form_action(request, NoteForm(request.POST), lambda data: 42, lambda n: f"工单 {n}") is True
    assert form_action(request, NoteForm(request.POST), lambda data: None) is True  # no text: no message
    assert shown(request) == [("success", "已确认。"), ("success", "工单 42")]


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example", "javascript:alert(1)", ""],
)
def test_redirect_back_ignores_a_next_off_this_site(rf, target):
    from lib.forms import redirect_back

    response = redirect_back(rf.post("/", {"next": target}), "/home/")
    assert response["Location"] == "/home/"


def test_redirect_back_follows_a_next_on_this_site(rf):
    from lib.forms import redirect_back

    assert redirect_back(rf.post("/", {"next": "/cases/12/"}), "/home/")["Location"] == "/cases/12/"
