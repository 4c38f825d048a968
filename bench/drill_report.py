"""The fault drill's table (bench/drill.py) and its place in docs/reliability.md, between the drill's markers."""

import datetime
import os
import subprocess
import sys

from common import machine
from drill_cluster import PG_BIN

START, END = "<!-- drill:table -->", "<!-- /drill:table -->"
HEAD = ["fault", "lost", "doubled", "stuck", "5xx where 503 belongs", "recovery (s)", "passes", "notes"]


def versions() -> str:
    pg = subprocess.run([str(PG_BIN / "postgres"), "--version"], capture_output=True, text=True).stdout.split()[2]
    redis = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.split()[2][2:]
    return f"PostgreSQL {pg}, Redis {redis}"


def table(rows, cluster, *, took: float, names) -> str:
    command = "make drill" if len(names) > 3 else f"bench/drill.py --only {','.join(names)}"
    lines = [
        f"_Run {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} on {machine()} (`nproc` {os.cpu_count()}); "
        f"{versions()}; {took / 60:.1f} minutes, 1-minute load average {os.getloadavg()[0]:.1f} at the end "
        f"(the machine is shared). Command: `{command}`._",
        "",
        "| " + " | ".join(HEAD) + " |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        lines.append("| " + " | ".join(cell.replace("|", "/") for cell in row.cells()) + " |")
    counts = [
        f"{r.fault}: {r.counts['answers']} answers, {r.counts['acked']} intakes acknowledged" for r in rows if r.counts
    ]
    lines += ["", "Requests per fault: " + "; ".join(counts) + "." if counts else ""]
    return "\n".join(lines).rstrip() + "\n"


def write(doc, text: str) -> None:
    body = doc.read_text(encoding="utf-8") if doc.exists() else "# Reliability\n"
    block = f"{START}\n{text}{END}"
    if START in body and END in body:
        body = body[: body.index(START)] + block + body[body.index(END) + len(END) :]
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    doc.write_text(body, encoding="utf-8")
    print(f"table written to {doc}", file=sys.stderr)
