"""Minhu at work as the restricted PostgreSQL role of bin/pg-roles.sql, in a process of its own.

``test_pg_roles.py::test_the_app_works_under_the_app_role`` starts this with DATABASE_URL naming the app role on a
database the owner migrated, and reads the JSON it prints on its last line:

1. a resident raises a need through the public form: a case, its timeline, an outbox message, audit entries, the
   task queue's work (run in-process) — all written as the app role;
2. staff sign in (a session row) and open the inbox, the case, the audit log and the readiness check;
3. the app's own connection tries to rewrite and to delete an audit entry: the database refuses both.

Usage: python audit/tests/app_role_smoke.py <neighbourhood region id> <staff username>
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(region_pk: int, staff_username: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import DatabaseError, connection, transaction
    from django.test import Client
    from django.urls import reverse

    from audit.models import AuditEntry
    from cases.models import Case

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        out: dict = {"role": cursor.fetchone()[0]}

    # 1. the resident's form (anonymous, CSRF checked as in a browser is not the point here)
    resident = Client()
    answer = resident.post(
        reverse("cases:public_new"),
        {
            "name": "张阿姨",
            "phone": "13812345678",
            "region": region_pk,
            "location_text": "蓬莱路100弄3号",
            "description": "楼道灯坏了一个月，晚上下楼看不见。",
            "idempotency_key": "app-role-smoke",
        },
    )
    case = Case.objects.order_by("-pk").first()
    out["intake"] = {
        "status": answer.status_code,
        "case": case.number if case else None,
        "events": case.events.count() if case else 0,
        "audit": AuditEntry.objects.filter(object_id=str(case.pk)).count() if case else 0,
    }

    # 2. staff pages
    staff = Client()
    staff.force_login(get_user_model().objects.get(username=staff_username))
    pages = [reverse("cases:inbox"), reverse("cases:list"), reverse("audit:entry_list"), reverse("healthz-ready")]
    if case:
        pages.append(reverse("cases:detail", args=[case.pk]))
    out["pages"] = {url: staff.get(url).status_code for url in pages}

    # 3. the audit log cannot be rewritten by the app's own connection
    entry = AuditEntry.objects.order_by("-pk").first()
    out["audit_entries"] = AuditEntry.objects.count()
    out["refused"] = {}
    for name, sql in [
        ("update", "UPDATE audit_auditentry SET action = 'rewritten' WHERE id = %s"),
        ("delete", "DELETE FROM audit_auditentry WHERE id = %s"),
    ]:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
        except DatabaseError as exc:
            out["refused"][name] = type(exc.__cause__).__name__
        else:
            out["refused"][name] = None
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minhu.settings")
    import django

    django.setup()
    print(json.dumps(main(int(sys.argv[1]), sys.argv[2]), ensure_ascii=False))
