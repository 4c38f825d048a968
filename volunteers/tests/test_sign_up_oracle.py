"""The public sign-up must not tell a resident whether an ID number already belongs to a volunteer
(docs/security.md, "Oracles"): the two answers are compared byte for byte, the existing volunteer is
told on their own phone, staff see the duplicate, and the number stays held by one volunteer."""

import datetime
import re

from django.contrib.auth import get_user_model
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from lib import crypto, idcard
from lib.masking import mask_id_number
from notify.models import Message
from volunteers import services
from volunteers.models import Volunteer

KNOWN = idcard.make("310101", datetime.date(1961, 3, 9), 5)
UNKNOWN = idcard.make("310101", datetime.date(1961, 3, 9), 7)
KNOWN_PHONE = "13900000777"


def _known_volunteer(world):
    v = services.volunteer_sign_up(
        name="周老师", region=world.penglai, by=world.users["staff"], phone=KNOWN_PHONE, id_number=KNOWN
    )
    return services.volunteer_decide(volunteer=v, approve=True, by=world.users["staff"])


def _applicant(username):
    c = Client()
    c.force_login(get_user_model().objects.create_user(username=username, password="x" * 12))
    return c


def _sign_up(client, world, id_number):
    form = {"name": "赵会计", "phone": "13900000123", "id_number": id_number, "region": world.penglai.pk, "level": 3}
    return client.post(reverse("volunteers:sign_up"), form)


def _messages(response):
    """The messages a response sets (the cookie's signature carries the second it was signed)."""
    cookie = response.cookies.get("messages")
    return [(m.level, m.message) for m in CookieStorage(HttpRequest())._decode(cookie.value)] if cookie else []


def _page(client, url, username, typed=""):
    """The page as the applicant sees it, without what differs between any two accounts: the CSRF
    token, the account name, the new sign-up's own id and the (masked) number the applicant typed."""
    r = client.get(url)
    body = r.content.decode()
    body = re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF", body)  # the form field and htmx's header
    body = body.replace(username, "USER")
    if typed:
        body = body.replace(mask_id_number(typed), "TYPED")
    body = re.sub(r"/volunteers/\d+/", "/volunteers/N/", body)
    return r.status_code, r.headers.get("Content-Type"), r.headers.get("Cache-Control"), body


def test_sign_up_answers_the_same_whether_the_id_number_is_a_volunteers(world):
    known = _known_volunteer(world)
    fresh, probe = _applicant("applicant_a"), _applicant("applicant_b")

    a = _sign_up(fresh, world, UNKNOWN)
    b = _sign_up(probe, world, KNOWN)

    # the answer to the POST: status, where it leads, the headers a client reads, the body, the message cookie
    assert a.status_code == b.status_code == 302
    assert a.headers.get("Location") == b.headers.get("Location") == reverse("volunteers:me")
    for header in ("Content-Type", "Content-Length", "Cache-Control", "Vary"):
        assert a.headers.get(header) == b.headers.get(header), header
    assert a.content == b.content
    assert set(a.cookies) == set(b.cookies)
    assert _messages(a) == _messages(b) and _messages(a)
    # and every page the applicant goes on to: their own page (with the success message), the sign-up
    # form again, their sign-up's detail page
    me_a = _page(fresh, reverse("volunteers:me"), "applicant_a")
    assert me_a == _page(probe, reverse("volunteers:me"), "applicant_b") and "报名已提交" in me_a[3]
    assert _page(fresh, reverse("volunteers:sign_up"), "applicant_a")[0] == 302
    assert _page(probe, reverse("volunteers:sign_up"), "applicant_b")[0] == 302
    mine_a = Volunteer.objects.get(user__username="applicant_a")
    mine_b = Volunteer.objects.get(user__username="applicant_b")
    detail_a = _page(fresh, reverse("volunteers:volunteer_detail", args=[mine_a.pk]), "applicant_a", UNKNOWN)
    assert detail_a == _page(probe, reverse("volunteers:volunteer_detail", args=[mine_b.pk]), "applicant_b", KNOWN)
    assert "TYPED" in detail_a[3]

    # nothing is created twice: the known number is still held by one volunteer, untouched
    assert list(Volunteer.objects.filter(id_number_hash=crypto.lookup_hash(KNOWN))) == [known]
    known_after = Volunteer.objects.get(pk=known.pk)
    assert (known_after.user_id, known_after.status, known_after.id_number) == (None, known.status, KNOWN)
    assert (mine_b.duplicate_of, mine_b.id_number_hash, mine_b.id_number_encrypted) == (known, "", "")
    assert mine_a.duplicate_of is None and mine_a.id_number == UNKNOWN
    # one resubmission changes nothing either (the account already has its sign-up)
    assert _sign_up(probe, world, KNOWN).url == reverse("volunteers:me")
    assert Volunteer.objects.filter(user__username="applicant_b").count() == 1

    # the existing volunteer is told on their own phone, once
    told = Message.objects.filter(to_hash=crypto.lookup_hash(KNOWN_PHONE), purpose="volunteers.duplicate_sign_up")
    assert told.count() == 1 and "周老师" in told.get().body
    assert not Message.objects.filter(purpose="volunteers.duplicate_sign_up").exclude(pk=told.get().pk).exists()


def test_staff_see_the_duplicate_and_cannot_approve_it(world, users, client_for):
    known = _known_volunteer(world)
    _sign_up(_applicant("applicant_b"), world, KNOWN)
    duplicate = Volunteer.objects.get(user__username="applicant_b")

    staff = client_for(users["staff"])
    page = staff.get(reverse("volunteers:volunteer_detail", args=[duplicate.pk])).content.decode()
    assert f"已登记的志愿者（编号 {known.pk}）相同" in page
    staff.post(reverse("volunteers:volunteer_decide", args=[duplicate.pk]), {"approve": "1"})
    duplicate.refresh_from_db()
    assert duplicate.status == Volunteer.Status.PENDING
    staff.post(reverse("volunteers:volunteer_decide", args=[duplicate.pk]), {"approve": "0"})
    duplicate.refresh_from_db()
    assert duplicate.status == Volunteer.Status.REJECTED


def test_staff_entering_a_paper_form_are_still_told_of_the_duplicate(world, users, client_for):
    _known_volunteer(world)
    r = _sign_up(client_for(users["staff"]), world, KNOWN)
    assert r.status_code == 200 and "已有相同身份证号的志愿者。" in r.content.decode()
    assert Volunteer.objects.filter(name="赵会计").count() == 0
