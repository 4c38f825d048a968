"""A process with another MINHU_FIELD_KEY refuses to start; rotating the key re-encrypts everything
(issue 16, finding 6)."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from huey.contrib.djhuey import HUEY

from lib import idcard
from notify import services as notify
from notify.models import Message
from ops import keycheck
from ops.models import KeyCheck
from people.models import Resident

KEY_A = "a-deployment-key-" + "a" * 40
KEY_B = "another-deployment-key-" + "b" * 40


def test_the_first_start_records_the_check_value_and_the_same_key_starts_again(db, settings):
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    keycheck.verify_field_key()
    assert KeyCheck.objects.get().value == keycheck.check_value(KEY_A)
    assert KEY_A not in KeyCheck.objects.get().value
    keycheck.verify_field_key()


def test_another_key_refuses_to_start_with_a_clear_message(db, settings):
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    keycheck.verify_field_key()
    settings.FIELD_ENCRYPTION_KEY = KEY_B
    with pytest.raises(ImproperlyConfigured, match="MINHU_FIELD_KEY"):
        keycheck.verify_field_key()
    with pytest.raises(ImproperlyConfigured, match="rotate_field_key"):
        HUEY.create_consumer(workers=1)  # the task consumer checks before it starts


def test_a_database_written_before_the_check_value_is_checked_against_its_rows(db, settings):
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    notify.send(to="13900001234", body="x")
    settings.FIELD_ENCRYPTION_KEY = KEY_B
    with pytest.raises(ImproperlyConfigured):
        keycheck.verify_field_key()
    assert not KeyCheck.objects.exists()


def test_rotating_the_key_re_encrypts_ids_and_phones_and_moves_the_check_value(world, settings, monkeypatch):
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    keycheck.verify_field_key()
    number = idcard.make("310101", datetime.date(1940, 1, 1), 7)
    resident = Resident(name="王建国", region=world.penglai_grid)
    resident.set_id_number(number)
    resident.set_phone("13900001111")
    resident.save()
    notify.send(to="13900001234", body="x")
    monkeypatch.setenv("MINHU_OLD_FIELD_KEY", KEY_A)
    settings.FIELD_ENCRYPTION_KEY = KEY_B
    call_command("rotate_field_key")  # a dry run changes nothing
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    assert Resident.objects.get(pk=resident.pk).phone == "13900001111"
    settings.FIELD_ENCRYPTION_KEY = KEY_B
    call_command("rotate_field_key", "--commit")
    keycheck.verify_field_key()  # the new key starts
    assert Resident.objects.get(pk=resident.pk).phone == "13900001111"
    assert list(Resident.objects.by_id_number(number)) == [resident]  # lookups use the new digests
    assert list(Resident.objects.search("13900001111")) == [resident]
    assert Message.objects.get().to == "13900001234"
    settings.FIELD_ENCRYPTION_KEY = KEY_A
    with pytest.raises(ImproperlyConfigured):
        keycheck.verify_field_key()
