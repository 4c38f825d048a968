"""How a person is reached: the phone by text, else the e-mail, else the outbox under their username."""

from notify.contact import address_of, channel_of, contact, contact_of
from org.models import User


def test_phone_first_then_email_then_the_outbox():
    both = User(username="wang", phone="13900001234", email="wang@example.cn")
    mail = User(username="li", email=" li@example.cn ")
    neither = User(username="zhao")
    assert [contact_of(u) for u in (both, mail, neither)] == ["13900001234", "li@example.cn", ""]
    assert address_of(both) == ("13900001234", "sms")
    assert address_of(mail) == ("li@example.cn", "email")
    assert address_of(neither) == ("user:zhao", "console")
    assert (channel_of("13900001234"), channel_of("li@example.cn")) == ("sms", "email")
    assert (contact("", "li@example.cn"), contact(None, None)) == ("li@example.cn", "")
