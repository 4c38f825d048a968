"""The real task worker: ``manage.py run_huey`` in a subprocess, on the storage the settings choose
(the SQLite task file by default, Redis when REDIS_URL is set), with a queue of its own."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.module_loading import import_string

from org import tasks

ROOT = Path(__file__).resolve().parents[2]


def _queue(name: str):
    """A huey instance like the app's (same class and storage) but on the queue ``name``."""
    config = {k: v for k, v in settings.HUEY.items() if k not in ("huey_class", "consumer")}
    config.update(name=name, immediate=False)
    return import_string(settings.HUEY["huey_class"])(**config)


@pytest.mark.slow
def test_a_task_enqueued_here_is_run_by_the_real_worker():
    name = f"test-worker-{uuid.uuid4().hex[:10]}"
    queue = _queue(name)
    # The same functions, registered under the same names ("org.tasks.ping") as in the worker.
    ping = queue.task()(tasks.ping.func)
    heartbeat = queue.task()(tasks.heartbeat.func)
    env = {**os.environ, "MINHU_HUEY_NAME": name, "MINHU_TASKS_IMMEDIATE": "0"}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--workers", "1", "--worker-type", "thread"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        token = uuid.uuid4().hex
        assert ping(token).get(blocking=True, timeout=60) == f"pong:{token}"
        # Periodic tasks keep no result: wait for the value the heartbeat writes in the task store.
        heartbeat()
        deadline = time.monotonic() + 30
        while not queue.get(tasks.HEARTBEAT_KEY, peek=True) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert queue.get(tasks.HEARTBEAT_KEY, peek=True), "the worker did not run the heartbeat"
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
        queue.storage.flush_all()
    assert worker.returncode is not None, output
