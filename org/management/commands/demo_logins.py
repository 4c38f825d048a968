"""Prints the demo logins, one per role (``make demo`` shows them before starting the app)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import reverse

from cases.models import Case
from deeds.demo import PIPE_PHONE, PIPE_TITLE
from org.demo import DEMO_LOGINS, EXTRA_LOGINS, STORY_LOGINS
from org.models import Role, User


class Command(BaseCommand):
    help = "列出演示账号（每个角色一个）及其密码。仅用于演示数据库。"

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="同时列出天平街道等其他演示账号")

    def handle(self, *args, all=False, **options):
        rows = DEMO_LOGINS + (EXTRA_LOGINS if all else [])
        present = set(User.objects.filter(username__in=[r[0] for r in rows]).values_list("username", flat=True))
        if not present:
            self.stdout.write("尚未载入演示数据：请先运行 python manage.py demo_data")
            return
        table = [("角色", "用户名", "密码", "辖区", "姓名")]
        table += [
            (str(Role(role).label), username, password, region, name)
            for username, password, role, region, _unit, name in rows
            if username in present
        ]
        widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
        self.stdout.write("演示账号（密码公开，仅供演示）：")
        for n, row in enumerate(table):
            self.stdout.write("  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)))
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
        story = STORY_LOGINS
        here = set(User.objects.filter(username__in=[r[0] for r in story]).values_list("username", flat=True))
        rows = [("角色", "用户名", "密码", "辖区", "在故事里做什么")]
        rows += [(str(Role(role).label), u, p, region, part) for u, p, role, region, part in story if u in here]
        if len(rows) > 1:
            widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
            self.stdout.write("两个故事里的人（同一密码）：")
            for n, row in enumerate(rows):
                self.stdout.write("  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)))
                if n == 0:
                    self.stdout.write("  " + "  ".join("-" * w for w in widths))
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write(f"登录：{site}{reverse('login')}   居民查询诉求进度：{site}{reverse('cases:public_track')}")
        # the story's pipe case, followed by its resident (deeds.demo)
        pipe = Case.objects.filter(title=PIPE_TITLE).first()
        if pipe is not None:
            self.stdout.write(
                f"  查询示例：诉求编号 {pipe.number}，手机 {PIPE_PHONE}"
                "（验证码短信打印在运行 make demo 的终端，也在后台“消息”里）"
            )
        if not all:
            self.stdout.write("其他演示账号：python manage.py demo_logins --all")


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
