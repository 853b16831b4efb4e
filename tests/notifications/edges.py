"""Real servers on 127.0.0.1 standing in for the world's edges, built from the public docs and
recording what they receive; shared by tests/notifications and bench/bench_notifications.py.

- VK: `POST /method/messages.send` (https://dev.vk.com/ru/method/messages.send), form-encoded,
  answers `{"response": <message id>}` or `{"error": {"error_code", "error_msg", "request_params"}}`;
  a repeated `random_id` is not sent twice (VK answers with the first message's id).
- Telegram: `POST /bot<token>/sendMessage` (https://core.telegram.org/bots/api#sendmessage), JSON,
  answers `{"ok": true, "result": Message}` or `{"ok": false, "error_code", "description"}`.
- SMTP: aiosmtpd's controller, recording each envelope and the parsed message.
"""

import email
import email.policy
import itertools
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class _Server:
    def __init__(self, handler):
        self.lock = threading.Lock()
        self.received = []
        self.failures = {}  # address -> list of failures to answer, first one first
        self._ids = itertools.count(1)
        server = self

        class Handler(handler):
            owner = server

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self):
        with self.lock:
            self.received.clear()
            self.failures.clear()

    def fail(self, address, *failures):
        with self.lock:
            self.failures.setdefault(str(address), []).extend(failures)

    def next_failure(self, address):
        with self.lock:
            queue = self.failures.get(str(address)) or []
            if not queue:
                return None
            failure = queue[0]
            if not failure.get("always"):
                queue.pop(0)
            return failure


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs
    # Headers and body leave in separate writes; without TCP_NODELAY, Nagle's algorithm holds the
    # body until the client's delayed ACK (~40 ms a request on Linux).
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self, status, payload):
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _VKHandler(_Handler):
    def do_POST(self):
        vk = self.owner
        params = {k: v[0] for k, v in parse_qs(self.body().decode()).items()}
        if self.path != "/method/messages.send":
            return self.answer(200, {"error": {"error_code": 3, "error_msg": "Unknown method passed"}})
        request_params = [{"key": k, "value": v} for k, v in params.items() if k != "access_token"]
        if params.get("access_token") != vk.token:
            return self.answer(
                200, {"error": {"error_code": 5, "error_msg": "User authorization failed", "request_params": []}}
            )
        if not params.get("message") or not params.get("user_id") or "random_id" not in params:
            return self.answer(
                200,
                {"error": {"error_code": 100, "error_msg": "One of the parameters specified was missing or invalid"}},
            )
        failure = vk.next_failure(params["user_id"])
        if failure:
            error = {"error_code": failure["code"], "error_msg": failure["message"], "request_params": request_params}
            return self.answer(200, {"error": error})
        with vk.lock:
            known = vk.by_random_id.get(params["random_id"])
            if known is None:
                known = vk.by_random_id[params["random_id"]] = next(vk._ids)
                vk.received.append(params)
        return self.answer(200, {"response": known})


class VKServer(_Server):
    def __init__(self, token="vk-community-token"):  # noqa: S107 - a test server's own token
        super().__init__(_VKHandler)
        self.token = token
        self.by_random_id = {}

    def reset(self):
        super().reset()
        with self.lock:
            self.by_random_id.clear()


class _TelegramHandler(_Handler):
    def do_POST(self):
        tg = self.owner
        raw = self.body()
        prefix = f"/bot{tg.token}/"
        if not self.path.startswith(prefix):
            return self.answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        if self.path[len(prefix) :] != "sendMessage":
            return self.answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        try:
            params = json.loads(raw)
        except ValueError:
            return self.answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"})
        if not params.get("text"):
            return self.answer(
                400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
            )
        failure = tg.next_failure(params.get("chat_id"))
        if failure:
            payload = {"ok": False, "error_code": failure["code"], "description": failure["message"]}
            if failure.get("retry_after"):
                payload["parameters"] = {"retry_after": failure["retry_after"]}
            return self.answer(failure["code"], payload)
        with tg.lock:
            message_id = next(tg._ids)
            tg.received.append(params)
        chat = {"id": params["chat_id"], "type": "private"}
        return self.answer(
            200, {"ok": True, "result": {"message_id": message_id, "chat": chat, "text": params["text"]}}
        )


class TelegramServer(_Server):
    def __init__(self, token="123456:telegram-bot-token"):  # noqa: S107 - a test server's own token
        super().__init__(_TelegramHandler)
        self.token = token


class SMTPServer:
    """aiosmtpd on 127.0.0.1: every accepted message is parsed and kept in `received`; addresses
    in `refuse` get a permanent 550 at RCPT."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.received = []
        self.refuse = set()
        server = self

        class Handler:
            async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
                if address.lower() in server.refuse:
                    return "550 5.1.1 Mailbox unavailable"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, smtp, session, envelope):
                message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
                server.received.append({"to": list(envelope.rcpt_tos), "message": message})
                return "250 Message accepted for delivery"

        # aiosmtpd checks it is up by connecting to the port it was given, so take a free one first.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def reset(self):
        self.received.clear()
        self.refuse.clear()

    def mailer(self):
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": self.port, "use_tls": False, "timeout": 10},
        }

    def to(self, address):
        return [r["message"] for r in self.received if address in r["to"]]
