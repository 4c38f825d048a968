"""What the fault drill checks after each fault (bench/drill.py), against the database, the SMS sink, the task
workers' logs and every answer the load got. A scenario's writes carry its tag, so each row counts its own.

- lost: acknowledged (2xx) intakes whose case is not there, or whose reporter phone does not decrypt with the
  deployment's field key; acknowledged tickets that are not there;
- doubled: cases made twice for one request (its key is in the description), two open tickets for one phone, and
  messages handed to the SMS gateway twice;
- stuck: messages of the scenario still ``queued`` after the grace period and the message sweep's turn
  (``wait_for_sweep``), imports neither done nor failed;
- 5xx where 503 belongs: every 5xx answer except a 503 with Retry-After (JSON for API clients);
- recovery: seconds from the end of the fault until every request succeeds again.
"""

import collections
import json
import re
import time
from dataclasses import dataclass, field

from drill_load import INTAKE_KINDS


@dataclass
class Row:
    fault: str
    lost: object = 0
    doubled: object = 0
    stuck: object = 0
    bad_5xx: object = 0
    recovery: str = "0"
    notes: list = field(default_factory=list)
    unmet: list = field(default_factory=list)  # what the fault should show and did not (replica, scheduler, ...)
    counts: dict = field(default_factory=dict)  # answers, cases, acknowledged intakes and tickets

    @property
    def clean(self) -> bool:
        counts = (self.lost, self.doubled, self.stuck, self.bad_5xx)
        return all(v in (0, "—") for v in counts) and not self.recovery.startswith("not") and not self.unmet

    def cells(self) -> list[str]:
        notes = [f"**{u}**" for u in self.unmet] + self.notes
        cells = [self.lost, self.doubled, self.stuck, self.bad_5xx, self.recovery, "yes" if self.clean else "**no**"]
        return [self.fault, *map(str, cells), "; ".join(notes)]


def recovery(answers, fault_end: float | None, load_end: float) -> str:
    """Seconds from the fault's end until requests succeed again: the end of the last failed attempt after it."""
    if fault_end is None:
        return "—"
    failed = [a.t1 for a in answers if not a.ok and a.t1 >= fault_end]
    if not failed:
        return "0"
    last = max(failed)
    if load_end - last < 2.0:
        return f"not within {load_end - fault_end:.0f} s"
    return f"{last - fault_end:.1f}"


def answers_summary(answers) -> tuple[int, list[str]]:
    """The count of 5xx where a 503 belongs, and notes on what failed."""
    bad = [a for a in answers if a.status >= 500 and not a.proper_503]
    notes = []
    by_kind = collections.Counter((a.kind, a.status or a.error) for a in answers if not a.ok)
    if by_kind:
        notes.append("failed: " + ", ".join(f"{k} {s}×{n}" for (k, s), n in sorted(by_kind.items(), key=str)))
    return len(bad), notes


def check(cluster, load, tag: str, *, started: float, fault_end: float | None, load_end: float, decrypt) -> Row:
    """Count lost, doubled and stuck for the writes of ``tag`` (made between ``started`` and now)."""
    pg = cluster.primary
    answers = load.of(tag)
    row = Row(fault=tag)
    row.bad_5xx, row.notes = answers_summary(answers)
    row.recovery = recovery(answers, fault_end, load_end)

    # cases: one per request, present when acknowledged, readable with the deployment's key
    cases = pg.sql(
        "SELECT number, description, reporter_phone_encrypted FROM cases_case WHERE description LIKE %s",
        (f"%（{tag}.%",),
    )
    by_key = collections.defaultdict(list)
    unreadable = 0
    for number, description, phone in cases:
        key = re.search(r"（([^（）]+)）$", description).group(1)
        by_key[key].append(number)
        if phone and decrypt(phone) is None:
            unreadable += 1
    acked = {a.key: a.ref for a in answers if a.ok and a.kind in INTAKE_KINDS}
    missing = sum(1 for key, number in acked.items() if number not in by_key.get(key, []))
    doubled_cases = sum(len(numbers) - 1 for numbers in by_key.values() if len(numbers) > 1)
    # answered 5xx although saved: the retry with its key was answered as a replay (200), or it never got through
    final = {a.key: a for a in answers if a.kind in INTAKE_KINDS and a.ok}
    failed_keys = {a.key for a in answers if a.kind in INTAKE_KINDS and a.status >= 500}
    saved_after_5xx = sum(
        1
        for key in failed_keys
        if key in by_key and (key not in final or final[key].status == 200 or len(by_key[key]) > 1)
    )

    tickets = [int(a.ref) for a in answers if a.ok and a.kind == "take"]
    present = {r[0] for r in pg.sql("SELECT id FROM events_queueticket WHERE id = ANY(%s)", (tickets,))}
    missing_tickets = len(set(tickets) - present)
    doubled_tickets = pg.sql(
        "SELECT count(*) - count(DISTINCT person_key) FROM events_queueticket WHERE person_key LIKE %s",
        (f"s:{tag}.%",),
    )[0][0]

    # messages: the scenario's own still queued; any message handed to the gateway twice during the scenario
    messages = pg.sql("SELECT id, status FROM notify_message WHERE created_at >= to_timestamp(%s)", (started,))
    status = collections.Counter(s for _, s in messages)
    sends = _sends(cluster.sms_sink)
    seen, doubled_sms = set(), set()
    for line in sends:
        if line["id"] in seen and line["at"] >= started:
            doubled_sms.add(line["id"])
        seen.add(line["id"])

    imports = pg.sql("SELECT status FROM people_importjob WHERE created_at >= to_timestamp(%s)", (started,))
    stuck_imports = sum(1 for (s,) in imports if s not in ("done", "failed"))

    row.lost = missing + unreadable + missing_tickets
    row.doubled = doubled_cases + int(doubled_tickets) + len(doubled_sms)
    row.stuck = status.get("queued", 0) + stuck_imports
    if unreadable:
        row.notes.append(f"{unreadable} cases written with a phone the deployment's key cannot read")
    if saved_after_5xx:
        row.notes.append(f"{saved_after_5xx} intakes answered 5xx although the case was saved")
    if doubled_cases:
        row.notes.append(f"{doubled_cases} duplicate cases")
    if doubled_sms:
        row.notes.append(f"{len(doubled_sms)} SMS sent twice")
    if status.get("queued"):
        row.notes.append(f"{status['queued']} of {len(messages)} messages left queued")
    if status.get("failed"):
        row.notes.append(f"{status['failed']} messages failed (retried with back-off, up to 5 attempts)")
    if stuck_imports:
        row.notes.append(f"{stuck_imports} import(s) stuck")
    row.counts = {"answers": len(answers), "cases": len(cases), "acked": len(acked), "tickets": len(tickets)}
    return row


def _sends(path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def tasks_run_twice(logs) -> int:
    """Task ids the workers executed more than once (a queue replayed from a snapshot), from their INFO logs."""
    runs = collections.Counter()
    for text in logs:
        runs.update(re.findall(r"Executing [\w.]+: ([0-9a-f-]{36})", text))
    return sum(1 for n in runs.values() if n > 1)


# A message whose delivery task was lost is delivered by the one-minute sweep (notify.tasks.sweep_messages) once it
# is 30 s old: a message still queued this long after the fault's load is stuck.
SWEEP_WAIT = 100.0


def wait_for_sweep(cluster, started: float, limit: float = SWEEP_WAIT) -> str:
    """Wait (up to ``limit`` seconds) until none of the fault's messages is still ``queued``; a note saying how long
    the sweep took, or "" when nothing was waiting."""
    pg = cluster.primary
    query = "SELECT count(*) FROM notify_message WHERE created_at >= to_timestamp(%s) AND status = 'queued'"
    waiting = pg.sql(query, (started,))[0][0]
    if not waiting:
        return ""
    began = time.time()
    while time.time() - began < limit and pg.sql(query, (started,))[0][0]:
        time.sleep(2)
    left = pg.sql(query, (started,))[0][0]
    took = time.time() - began
    return f"{waiting - left} of {waiting} queued messages delivered by the sweep within {took:.0f} s"


def periodic_enqueues(logs, task: str) -> int:
    """How many times the schedulers enqueued ``task`` (from the workers' INFO logs)."""
    return sum(text.count(f"Enqueueing periodic task {task}:") for text in logs)
