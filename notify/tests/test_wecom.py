import pytest

from notify import groups, services
from notify.gateways import wecom
from notify.models import Message

from .fake_gateways import ROBOT_KEY, wecom_server


@pytest.fixture
def robot(settings, world):
    with wecom_server() as server:
        settings.MINHU_NOTIFY_SENDERS = {
            **settings.MINHU_NOTIFY_SENDERS,
            "wecom": "notify.gateways.wecom.WeComRobotSender",
        }
        settings.MINHU_WECOM_ENDPOINT = server.url.rstrip("/") + "/cgi-bin/webhook/send"
        server.unit = world.penglai_committee
        settings.MINHU_WECOM_ROBOTS = {str(server.unit.pk): ROBOT_KEY}
        yield server


def test_a_unit_group_is_told_through_its_robot_and_errcode_0_is_the_receipt(db, robot):
    message = groups.tell_unit_group(unit=robot.unit, body="【民呼】新派单 HP-2025-000123：楼道灯不亮，请及时签收。")
    assert message.to_masked == f"unit:{robot.unit.pk}" and message.channel == Message.Channel.WECOM
    message = services.deliver(message=message)
    assert message.status == Message.Status.SENT and message.delivery == Message.Delivery.DELIVERED
    [request] = robot.requests
    assert request == {
        "key": ROBOT_KEY,
        "msgtype": "text",
        "text": {"content": "【民呼】新派单 HP-2025-000123：楼道灯不亮，请及时签收。"},
    }
    assert list(message.receipts.values_list("kind", "ok", "code")) == [("answer", True, "0"), ("report", True, "0")]


def test_a_subject_makes_a_markdown_message(db, robot):
    message = groups.tell_unit_group(unit=robot.unit, subject="超期提醒", body="诉求 HP-2025-000123 已超期")
    services.deliver(message=message)
    assert robot.requests[0]["markdown"] == {"content": "**超期提醒**\n诉求 HP-2025-000123 已超期"}


def test_a_refusal_is_recorded_and_the_key_never_shows(db, robot, settings, caplog):
    settings.MINHU_WECOM_ROBOTS = {str(robot.unit.pk): "wrong-key-0000"}
    message = services.deliver(message=groups.tell_unit_group(unit=robot.unit, body="测试"))
    assert message.status == Message.Status.FAILED and message.error.startswith("企业微信群机器人拒绝：93000")
    assert "wrong-key-0000" not in message.error and "wrong-key-0000" not in caplog.text
    assert message.receipts.get().code == "93000"


def test_rate_limited_messages_fail_for_a_retry(db, robot):
    robot.answers.append((200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
    message = services.deliver(message=groups.tell_unit_group(unit=robot.unit, body="测试"))
    assert message.status == Message.Status.FAILED and "45009" in message.error
    assert services.deliver(message=message).status == Message.Status.SENT


def test_a_unit_without_a_robot_is_not_queued_and_an_unknown_group_fails_clearly(db, robot, settings):
    settings.MINHU_WECOM_ROBOTS = {}
    assert groups.tell_unit_group(unit=robot.unit, body="测试") is None
    message = services.send(to=f"unit:{robot.unit.pk}", body="测试", channel="wecom")
    message = services.deliver(message=message)
    assert message.status == Message.Status.FAILED and "没有配置企业微信群机器人" in message.error


def test_long_texts_are_cut_to_the_robots_limit_without_breaking_a_character():
    class M:
        subject, body = "", "字" * 1000  # 3000 bytes

    content = wecom.payload(M())["text"]["content"]
    assert len(content.encode()) <= wecom.TEXT_LIMIT and set(content) == {"字"}
