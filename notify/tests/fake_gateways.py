"""Local stand-ins for the gateways, started by the tests (``http.server`` in a thread on 127.0.0.1).

The Aliyun stand-in checks each request's signature with its own implementation of the vendor's
rules (not ours), and answers with the vendor's success and error bodies. The WeCom stand-in
checks the robot key and answers like the robot."""

import base64
import datetime
import hashlib
import hmac
import http.server
import json
import threading
import urllib.parse

ACCESS_KEY_ID = "LTAI-test-id"
ACCESS_KEY_SECRET = "test-secret-never-logged"
ROBOT_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


def vendor_signature(params: dict, secret: str, method: str) -> str:
    """As the vendor's 签名机制 page spells it, step by step."""

    def encode(value: str) -> str:  # URLEncoder.encode, then + → %20, * → %2A, %7E → ~
        return urllib.parse.quote_plus(value, safe="*").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    query = "&".join(encode(k) + "=" + encode(params[k]) for k in sorted(params))
    to_sign = method + "&" + encode("/") + "&" + encode(query)
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler):
        super().__init__(("127.0.0.1", 0), handler)
        self.requests: list[dict] = []
        self.answers: list[tuple[int, dict]] = []  # queued answers; default: success
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass

    def _answer(self, status: int, body: dict) -> None:
        raw = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))


class AliyunHandler(_Handler):
    def do_POST(self):
        params = dict(urllib.parse.parse_qsl(self._body().decode(), keep_blank_values=True))
        request_id = f"req-{len(self.server.requests) + 1}"
        given = params.pop("Signature", "")
        signed = hmac.compare_digest(given, vendor_signature(params, ACCESS_KEY_SECRET, "POST"))
        self.server.requests.append({**params, "_signature_ok": signed})
        if not signed:
            return self._answer(
                400,
                {
                    "RequestId": request_id,
                    "Code": "SignatureDoesNotMatch",
                    "Message": "Specified signature is not matched with our calculation.",
                },
            )
        stamp = datetime.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
        if abs((datetime.datetime.now(datetime.UTC) - stamp).total_seconds()) > 900:
            return self._answer(400, {"RequestId": request_id, "Code": "InvalidTimeStamp.Expired", "Message": "x"})
        if params.get("AccessKeyId") != ACCESS_KEY_ID:
            return self._answer(404, {"RequestId": request_id, "Code": "InvalidAccessKeyId.NotFound", "Message": "x"})
        if self.server.answers:
            status, body = self.server.answers.pop(0)
            return self._answer(status, {"RequestId": request_id, **body})
        biz_id = f"90061974693649844{len(self.server.requests):02d}^0"
        return self._answer(200, {"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": biz_id})


class WeComHandler(_Handler):
    def do_POST(self):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.path).query))
        body = json.loads(self._body().decode())
        self.server.requests.append({"key": query.get("key"), **body})
        if query.get("key") != ROBOT_KEY:
            return self._answer(200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [1700000000_1]"})
        if self.server.answers:
            status, answer = self.server.answers.pop(0)
            return self._answer(status, answer)
        return self._answer(200, {"errcode": 0, "errmsg": "ok"})


def aliyun_server() -> _Server:
    return _Server(AliyunHandler)


def wecom_server() -> _Server:
    return _Server(WeComHandler)
