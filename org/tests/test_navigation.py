"""Navigation and home pages by role."""

import pytest

from org.navigation import entries_for


@pytest.mark.parametrize(
    ("persona", "sees_audit", "sees_regions"),
    [
        ("worker", False, True),
        ("staff", True, True),
        ("admin", True, True),
        ("leader", False, True),
        ("volunteer", False, False),
        ("partner", False, False),
        ("resident", False, False),
    ],
)
def test_menu_shows_what_the_role_may_use(client_for, users, persona, sees_audit, sees_regions):
    page = client_for(users[persona]).get("/").content.decode()
    assert ('href="/audit/"' in page) is sees_audit
    assert ('href="/org/regions/"' in page) is sees_regions


def test_menu_lists_only_pages_that_exist(users):
    from django.urls import reverse

    for item in entries_for(users["admin"]):
        assert reverse(item["name"]) == item["url"]


def test_user_without_roles_is_told_to_ask_an_administrator(client_for, users):
    page = client_for(users["nobody"]).get("/").content.decode()
    assert "尚未分配辖区和角色" in page


def test_anonymous_menu_offers_login_only(client):
    page = client.get("/").content.decode()
    assert "工作人员登录" in page and 'href="/audit/"' not in page


def test_error_pages_speak_chinese(client_for, users, settings):
    settings.DEBUG = False
    client = client_for(users["worker"])
    assert "页面不存在" in client.get("/org/no-such-page/").content.decode()
    assert "没有权限" in client.get("/audit/").content.decode()
