"""The SMS gateway of the fault drill (bench/drill.py): records every message "sent" outside the app's database.

The drill's app servers and task workers run with ``MINHU_SMS_SENDER=drill_sender.FileSender`` and ``bench/`` on
their ``PYTHONPATH``, the same plug-in point a real gateway uses (docs/operations.md). Each send appends one JSON line
to ``DRILL_SMS_SINK`` with O_APPEND (whole lines from any number of processes), so the drill can count a message
handed to the gateway twice without trusting the row the app keeps about it.

Like a real gateway it reads the recipient in clear (``message.to``, decrypted with the process's field key) and
takes a moment per message (``DRILL_SMS_LATENCY_MS``, default 50); while the file ``DRILL_SMS_FAIL`` exists every
send raises, as a gateway that is down does.
"""

import hashlib
import json
import os
import time


class GatewayDown(Exception):
    pass


class FileSender:
    def send(self, message) -> None:
        if os.path.exists(os.environ.get("DRILL_SMS_FAIL", "/nonexistent")):
            raise GatewayDown("drill: SMS gateway down")
        to = message.to  # decrypts: a message written under another key fails here, as at a real gateway
        time.sleep(int(os.environ.get("DRILL_SMS_LATENCY_MS", "50")) / 1000)
        line = {
            "id": message.pk,
            "purpose": message.purpose,
            "to": hashlib.sha256(to.encode()).hexdigest()[:12],
            "pid": os.getpid(),
            "at": time.time(),
        }
        fd = os.open(os.environ["DRILL_SMS_SINK"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(line) + "\n").encode())
        finally:
            os.close(fd)
