"""The fault drill's dealings with the app itself (bench/drill.py): Django in the drill's own process, the world the
load needs, the resident spreadsheet uploaded on the import page, and when the scheduler really starts daily jobs."""

import datetime
import io
import os
import re
import sys
import urllib.parse

from drill_cluster import ROOT, Cluster
from drill_load import World, cookie_header, parse_cookies, request

IMPORT_ROWS = int(os.environ.get("DRILL_IMPORT_ROWS", "4000"))


def django_setup(cluster: Cluster) -> None:
    """This process speaks Django to the drill's primary (to make the world and read encrypted fields)."""
    os.environ.update(cluster.env())
    os.environ["DJANGO_SETTINGS_MODULE"] = "minhu.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(cluster: Cluster) -> World:
    """Users (build_world's personas), a partner with an Open311 key, a routing rule that dispatches repairs to
    蓬莱路居委会 (whose worker has a phone, so every intake sends two SMS), a service day with four desks."""
    from django.db import connections
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from cases import open311_services
    from cases.models import Category, Open311Client, RoutingRule
    from events import services as events
    from events.models import DeskTopic
    from org.testing import build_world

    world = build_world()
    world.users["worker"].phone = "13800000001"
    world.users["worker"].save(update_fields=["phone"])
    RoutingRule.objects.create(
        category=Category.objects.get(code="repair"), region=world.penglai, main_unit=world.penglai_committee
    )
    key = open311_services.client_issue_key(
        client=Open311Client(name="演练对接系统", region=world.penglai_grid), by=None
    )
    staff = world.users["staff"]
    start = timezone.now() - datetime.timedelta(minutes=30)
    event = events.event_create(
        title="演练服务日",
        region=world.laoximen,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=8),
        place="上海文庙门口",
        organiser=world.laoximen_office,
        by=staff,
    )
    topics = list(DeskTopic.objects.all())
    desks = [
        events.desk_add(event=event, topic=topics[i % len(topics)], by=staff, name=f"{i + 1}号台") for i in range(4)
    ]
    token = Token.objects.create(user=staff).key
    connections.close_all()
    return World(
        open311_key=key,
        token=token,
        region_id=world.penglai_grid.pk,
        desk_ids=[d.pk for d in desks],
        event_token=event.public_token,
        logins={"worker": "pw-worker", "staff": "pw-staff", "volunteer": "pw-volunteer"},
        ports=cluster.server_ports,  # the same dict: stand-ins started later are reached too
    )


def decrypt_or_none(token: str):
    from cryptography.fernet import InvalidToken

    from lib import crypto

    try:
        return crypto.decrypt(token)
    except InvalidToken:
        return None


def nightly_times() -> list[str]:
    """When the scheduler really starts each daily job, in Asia/Shanghai, from huey's own periodic test and the
    timestamp the consumer hands it (UTC when HUEY["utc"] is set)."""
    from zoneinfo import ZoneInfo

    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")  # as run_huey does: the periodic tasks register on import
    tz = ZoneInfo("Asia/Shanghai")
    day = datetime.datetime(2026, 6, 1, tzinfo=tz)
    fires, meant = {}, {}
    for minute in range(24 * 60):
        wall = day + datetime.timedelta(minutes=minute)
        stamp = wall.astimezone(datetime.UTC).replace(tzinfo=None) if HUEY.utc else wall.replace(tzinfo=None)
        for task in HUEY.read_periodic(stamp):
            fires.setdefault(task.name, []).append(wall)
        for task in HUEY.read_periodic(wall.replace(tzinfo=None)):  # the crontab read as Shanghai time
            meant.setdefault(task.name, []).append(wall)
    notes = []
    for name, times in sorted(fires.items()):
        if len(times) != 1:
            continue
        late = (times[0] - meant[name][0]).total_seconds() / 3600 % 24
        when = f"{name} written for {meant[name][0]:%H:%M} runs at {times[0]:%H:%M} Shanghai time"
        notes.append(when + (f" ({late:.0f} h late)" if late else ""))
    return notes


def upload_import(world: World, port: int) -> int:
    """Staff upload a resident spreadsheet on the import page; returns the job's id."""
    from openpyxl import Workbook

    from lib import idcard
    from org.models import Region
    from people.importers import COLUMNS

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([c.header for c in COLUMNS])
    for i in range(IMPORT_ROWS):
        number = idcard.make("310101", datetime.date(1940, 1, 1) + datetime.timedelta(days=i // 900), i % 900 + 1)
        sheet.append(
            [
                f"演练居民{i}",
                number,
                "",
                "蓬莱路第一网格",
                "蓬莱路",
                str(200 + i // 40),
                str(i % 40 + 1),
                "101",
                "户主",
                "",
                "",
            ]
        )
    data = io.BytesIO()
    book.save(data)
    region = Region.objects.get(name="老西门街道").pk
    cookie = _login(port, "staff", "pw-staff")
    status, headers, body = request(port, "GET", "/people/import/", headers={"Cookie": cookie})
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    boundary = "drill-boundary-7f3a"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="region"\r\n\r\n{region}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="residents.xlsx"\r\n'
        "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
        + data.getvalue()
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    status, headers, body = request(
        port,
        "POST",
        "/people/import/",
        b"".join(parts),
        {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Cookie": cookie,
            "Referer": f"http://127.0.0.1:{port}/people/import/",
        },
    )
    if status != 302:
        raise RuntimeError(f"import upload answered {status}: {body[:300]!r}")
    return int(re.search(r"/people/import/(\d+)/", headers["Location"]).group(1))


def _login(port, user, password) -> str:
    status, headers, body = request(port, "GET", "/accounts/login/")
    cookies = parse_cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"username": user, "password": password, "csrfmiddlewaretoken": token}).encode()
    status, headers, body = request(
        port,
        "POST",
        "/accounts/login/",
        form,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(cookies),
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    cookies.update(parse_cookies(headers))
    return cookie_header(cookies)
