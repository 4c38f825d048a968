"""The load of the fault drill (bench/drill.py): residents and staff using both app servers while a fault happens.

Kinds of client, each a thread that alternates between the app servers as a load balancer would:
- ``open311``: a partner's ``POST /open311/v2/requests.json`` with an ``Idempotency-Key``;
- ``api``: staff's ``POST /api/cases/`` with an ``Idempotency-Key``;
- ``resident``: ``POST /api/cases/`` without a key, sent again after a 5xx as a person presses again;
- ``take``: a resident's take-number at a service-day desk (``client_id`` identifies the phone);
- ``login``: the login form (CSRF cookie, POST, redirect);
- ``dashboard``: a leader's dashboard page on a logged-in session (its ``ref``: where the figures were read).
A write that fails (5xx, refused or reset) is retried with the same key or phone after a second, as long as the
load runs. Every attempt is recorded with its time, server, status and what it acknowledged (case number, ticket).
Each intake's description carries its key, so a duplicate is found in the database whether or not a key was sent.
"""

import http.client
import json
import random
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

INTAKE_KINDS = ("open311", "api", "resident")
PAUSE = {"open311": 0.25, "api": 0.25, "resident": 1.0, "take": 0.35, "login": 1.0, "dashboard": 1.5}


@dataclass
class Answer:
    kind: str
    key: str
    server: str
    t0: float
    t1: float
    status: int  # 0: no answer (refused, reset, timed out)
    ok: bool
    proper_503: bool = False  # 503 with Retry-After (and JSON for an API client)
    ref: str = ""  # the case number or ticket id acknowledged
    error: str = ""


@dataclass
class World:
    """What the clients need, made by drill.prepare()."""

    open311_key: str
    token: str
    region_id: int
    desk_ids: list
    event_token: str  # the service day's QR token, which take-number requires
    logins: dict  # user name -> password
    ports: dict = field(default_factory=dict)  # server name -> port


def request(port, method, path, body=b"", headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.msg, response.read()  # msg: case-insensitive, every Set-Cookie
    finally:
        conn.close()


class Load:
    def __init__(self, world: World, servers: list[str]):
        self.world, self.servers = world, servers
        self.answers: list[Answer] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.tag = ""

    # --- running ---------------------------------------------------------------------------------
    def start(self, tag: str, kinds=("open311", "api", "resident", "take", "login", "dashboard")) -> None:
        self.tag, self.stopping = tag, threading.Event()
        self.threads = [
            threading.Thread(target=self._client, args=(kind, i), daemon=True) for i, kind in enumerate(kinds)
        ]
        for t in self.threads:
            t.start()

    def stop(self) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=60)

    def of(self, tag: str) -> list[Answer]:
        with self.lock:
            return [a for a in self.answers if a.key.startswith(tag + ".")]

    def _client(self, kind: str, index: int) -> None:
        rng = random.Random(f"{self.tag}-{kind}")
        session = None
        n = 0
        while not self.stopping.is_set():
            n += 1
            key = f"{self.tag}.{kind}.{index}.{n}"
            server = self.servers[n % len(self.servers)]
            if kind == "dashboard" and session is None:
                session = self._login(key, server, keep=True)
            elif kind == "dashboard":
                self._attempt(kind, key, server, lambda port, session=session: self._dashboard(port, session))
            elif kind == "login":
                self._login(key, server)
            else:
                # a write: the same key (or phone) again after a failure, as long as the load runs
                send = getattr(self, f"_{kind}")
                while not self._attempt(kind, key, server, lambda port, key=key, send=send: send(port, key)).ok:
                    if self.stopping.wait(1.0):
                        break
                    server = self.servers[(self.servers.index(server) + 1) % len(self.servers)]
            self.stopping.wait(PAUSE[kind] * rng.uniform(0.7, 1.3))

    def _attempt(self, kind, key, server, send) -> Answer:
        t0 = time.time()
        try:
            status, headers, body = send(self.world.ports[server])
        except (OSError, http.client.HTTPException) as exc:
            answer = Answer(kind, key, server, t0, time.time(), 0, False, error=type(exc).__name__)
        else:
            ok, ref = self._judge(kind, status, headers, body)
            ctype = headers.get("Content-Type", "")
            api = kind not in ("login", "dashboard")
            proper = status == 503 and "Retry-After" in headers and ("json" in ctype or not api)
            error = "" if ok else body[:160].decode(errors="replace")
            answer = Answer(kind, key, server, t0, time.time(), status, ok, proper, ref, error)
        with self.lock:
            self.answers.append(answer)
        return answer

    # --- the requests ----------------------------------------------------------------------------
    def _open311(self, port, key):
        body = urllib.parse.urlencode(
            {
                "api_key": self.world.open311_key,
                "service_code": "repair",
                "address_string": "蓬莱路100弄3号门口",
                "description": f"路灯不亮（{key}）",
                "first_name": "张三",
                "phone": "13900000001",
            }
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": key}
        return request(port, "POST", "/open311/v2/requests.json", body, headers)

    def _case(self, port, key, *, with_key: bool):
        body = json.dumps(
            {
                "title": "楼道灯不亮",
                "description": f"楼道灯不亮，老人下楼看不清（{key}）",
                "region": self.world.region_id,
                "category": "repair",
                "reporter_name": "李四",
                "reporter_phone": "13900000002",
            },
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Token {self.world.token}"}
        if with_key:
            headers["Idempotency-Key"] = key
        return request(port, "POST", "/api/cases/", body, headers)

    def _api(self, port, key):
        return self._case(port, key, with_key=True)

    def _resident(self, port, key):
        return self._case(port, key, with_key=False)

    def _take(self, port, key):
        desk = self.world.desk_ids[hash(key) % len(self.world.desk_ids)]
        body = json.dumps({"client_id": key, "event_token": self.world.event_token}).encode()
        return request(port, "POST", f"/api/events/desks/{desk}/take/", body, {"Content-Type": "application/json"})

    def _dashboard(self, port, session):
        return request(port, "GET", "/dashboard/", headers={"Cookie": session or ""})

    def _login(self, key, server, keep=False):
        """GET the form (CSRF cookie and token), POST it; a redirect away from the form is a login."""
        user, password = random.choice(list(self.world.logins.items())) if not keep else ("leader", "pw-leader")
        cookies = {}

        def send(port):
            status, headers, body = request(port, "GET", "/accounts/login/")
            if status != 200:
                return status, headers, body
            cookies.update(parse_cookies(headers))
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
            form = {"username": user, "password": password, "csrfmiddlewaretoken": token.group(1).decode()}
            status, headers, body = request(
                port,
                "POST",
                "/accounts/login/",
                urllib.parse.urlencode(form).encode(),
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": cookie_header(cookies),
                    "Referer": f"http://127.0.0.1:{port}/accounts/login/",
                },
            )
            cookies.update(parse_cookies(headers))
            return status, headers, body

        answer = self._attempt("login", key, server, send)
        return cookie_header(cookies) if keep and answer.ok else None

    @staticmethod
    def _judge(kind, status, headers, body) -> tuple[bool, str]:
        try:
            if kind == "open311" and status in (200, 201):
                return True, json.loads(body)[0]["service_request_id"] or ""
            if kind in ("api", "resident") and status in (200, 201):
                return True, json.loads(body)["number"]
            if kind == "take" and status == 201:
                return True, str(json.loads(body)["id"])
            if kind == "take" and status == 409:  # the retry of a take that was saved: the same ticket
                return True, str(json.loads(body)["ticket"]["id"])
        except (ValueError, KeyError, IndexError, TypeError):
            return False, ""
        if kind == "login":
            return status == 302 and "/accounts/login/" not in headers.get("Location", ""), ""
        if kind == "dashboard":  # where the figures were read (minhu/dbrouter.py): "alias reason lag"
            seen = re.search(rb"<!-- read-from: (\S+) (\S*) lag=(\S*) -->", body)
            return status == 200, b" ".join(seen.groups()).decode() if seen else ""
        return False, ""


def parse_cookies(headers) -> dict:
    out = {}
    for value in headers.get_all("Set-Cookie") or []:
        pair = value.split(";", 1)[0]
        if "=" in pair:
            k, v = pair.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def cookie_header(cookies: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())
