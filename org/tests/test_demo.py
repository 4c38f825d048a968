"""The demo data set that `make demo` loads: both subdistricts, one login per role, fictional people."""

import io

import pytest
from django.core.management import call_command

from lib import idcard
from org.demo import DEMO_LOGINS
from org.models import Region, Role, User
from people.models import Household, Resident


@pytest.fixture
def demo(db):
    call_command("demo_data", stdout=io.StringIO())


def test_demo_builds_both_subdistricts_with_people(demo):
    laoximen = Region.objects.get(name="老西门街道")
    tianping = Region.objects.get(name="天平街道")
    assert laoximen.parent.name == "黄浦区" and tianping.parent.name == "徐汇区"
    assert Region.objects.subtree(laoximen).filter(name__startswith="蓬莱路", kind=Region.Kind.GRID).exists()
    assert Household.objects.filter(address__road="陕西南路", address__lane="582", address__number="11").exists()
    assert 300 <= Resident.objects.count() <= 600
    assert Resident.objects.in_region(tianping).exists() and Resident.objects.in_region(laoximen).exists()
    # everyone is recognisably fictional
    for resident in Resident.objects.all()[:200]:
        number = resident.id_number
        assert idcard.is_valid(number) and number[14:16] == "00", number
        assert resident.phone == "" or resident.phone.startswith("1390000")


def test_one_login_per_role_with_the_printed_password(demo, client, capsys):
    assert {row[2] for row in DEMO_LOGINS} == set(Role.values)
    for username, password, role, *_ in DEMO_LOGINS:
        user = User.objects.get(username=username)
        assert user.check_password(password) and user.has_role(role)
    call_command("demo_logins")
    printed = capsys.readouterr().out
    assert all(username in printed and password in printed for username, password, *_ in DEMO_LOGINS)
    # loading twice changes nothing
    count = Resident.objects.count()
    call_command("demo_data", stdout=io.StringIO())
    assert Resident.objects.count() == count


def test_the_people_of_the_stories_are_printed_and_their_logins_work(demo, capsys, settings):
    from org.demo import STORY_LOGINS

    settings.SITE_URL = "http://127.0.0.1:8013"
    call_command("demo_logins")
    printed = capsys.readouterr().out
    for username, password, role, *_ in STORY_LOGINS:
        user = User.objects.get(username=username)
        assert username in printed and user.check_password(password) and user.has_role(role), username
    assert "送餐志愿者" in printed and "第二审核人" in printed and "http://127.0.0.1:8013/" in printed

    # the demo is dated by its stories: the 2021 stories, the 2022 service day over, today's day under way
    import datetime

    from django.utils import timezone

    from deeds.models import Story
    from events.models import ServiceEvent

    assert {s.published_at.year for s in Story.objects.all()} == {2021}
    story_day = ServiceEvent.objects.get(starts_at__year=2022)
    assert story_day.status == ServiceEvent.Status.CLOSED
    week_ago = timezone.now() - datetime.timedelta(days=7)
    assert not ServiceEvent.objects.filter(status=ServiceEvent.Status.OPEN, starts_at__lt=week_ago).exists()
    assert ServiceEvent.objects.filter(status=ServiceEvent.Status.OPEN).exists()
