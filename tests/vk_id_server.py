"""A real OAuth 2.1 server on 127.0.0.1 that speaks VK ID's documented web flow (id.vk.ru), for the
tests of sign-in with VK ID. Nothing of the project is inside; it is reached over HTTP only.

- GET /authorize — response_type=code, client_id, redirect_uri, state, scope, code_challenge and
  code_challenge_method=S256 (PKCE is mandatory). The person "agrees" at once: the browser is sent
  back to redirect_uri with code, state, device_id, type=code_v2 and expires_in, or, when the test
  set `deny`, with error and error_description (and state).
- POST /oauth2/auth — grant_type=authorization_code, code, code_verifier, client_id, device_id,
  redirect_uri (and state): the code is used once, BASE64URL(SHA256(code_verifier)) must equal the
  code_challenge of /authorize. Answers access_token, refresh_token, id_token, token_type,
  expires_in, user_id, state and scope; or 400 {"error", "error_description"}.
- POST /oauth2/user_info — client_id, access_token: {"user": {user_id, first_name, last_name,
  phone, avatar, email, sex, verified, birthday}} with birthday as DD.MM.YYYY; else an error.
"""

import base64
import hashlib
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "54000001"
CLIENT_SECRET = "vk-id-test-protected-key"  # noqa: S105 - a throwaway server on 127.0.0.1


def s256(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class VKIDServer:
    """Start with .start(); `url` is what settings.VK_ID_URL points at. The test sets `user` (what
    VK returns for the next sign-in), `deny` (an error for /authorize to send back) or
    `break_pkce` (the stored code_challenge no longer matches the verifier); `requests` keeps every
    request's path and parameters for the test to read."""

    def __init__(self):
        self.codes = {}
        self.tokens = {}
        self.requests = []
        self.user = None
        self.deny = ""
        self.break_pkce = False
        self.lock = threading.Lock()
        self.httpd = None
        self.url = ""

    def start(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # headers and body go out at once (see config/devserver.py)

            def log_message(self, *args):
                pass

            def do_GET(self):
                server.handle(self, "GET")

            def do_POST(self):
                server.handle(self, "POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    def reset(self, user=None):
        with self.lock:
            self.codes.clear()
            self.tokens.clear()
            self.requests.clear()
            self.user, self.deny, self.break_pkce = user, "", False

    # --- HTTP ---------------------------------------------------------------------------------

    def handle(self, handler, method):
        parts = urlsplit(handler.path)
        params = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if method == "POST":
            length = int(handler.headers.get("Content-Length") or 0)
            body = handler.rfile.read(length).decode()
            params.update({key: values[0] for key, values in parse_qs(body).items()})
        with self.lock:
            self.requests.append((method, parts.path, dict(params)))
        routes = {
            ("GET", "/authorize"): self.authorize,
            ("POST", "/oauth2/auth"): self.token,
            ("POST", "/oauth2/user_info"): self.user_info,
        }
        route = routes.get((method, parts.path))
        if route is None:
            return self.send_json(handler, 404, {"error": "not_found"})
        return route(handler, params)

    def send_json(self, handler, status, data):
        body = json.dumps(data, ensure_ascii=False).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def redirect(self, handler, location):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def authorize(self, handler, params):
        problems = []
        if params.get("response_type") != "code":
            problems.append("response_type must be code")
        if params.get("client_id") != CLIENT_ID:
            problems.append("unknown client_id")
        if (params.get("code_challenge_method") or "").upper() != "S256" or not params.get("code_challenge"):
            problems.append("PKCE with code_challenge_method=S256 is required")
        if not params.get("state") or not params.get("redirect_uri"):
            problems.append("state and redirect_uri are required")
        if problems:
            return self.send_json(handler, 400, {"error": "invalid_request", "error_description": "; ".join(problems)})
        redirect_uri = params["redirect_uri"]
        if self.deny:
            query = {"error": self.deny, "error_description": "User denied access", "state": params["state"]}
            return self.redirect(handler, f"{redirect_uri}?{urlencode(query)}")
        code = secrets.token_urlsafe(24)
        device_id = secrets.token_urlsafe(16)
        challenge = params["code_challenge"]
        with self.lock:
            self.codes[code] = {
                "challenge": "x" + challenge if self.break_pkce else challenge,
                "device_id": device_id,
                "redirect_uri": redirect_uri,
                "scope": params.get("scope", ""),
                "user": dict(self.user or {}),
            }
        query = {"code": code, "state": params["state"], "device_id": device_id, "type": "code_v2", "expires_in": 600}
        return self.redirect(handler, f"{redirect_uri}?{urlencode(query)}")

    def token(self, handler, params):
        def refuse(description):
            return self.send_json(handler, 400, {"error": "invalid_grant", "error_description": description})

        if params.get("grant_type") != "authorization_code":
            return refuse("grant_type must be authorization_code")
        if params.get("client_id") != CLIENT_ID:
            return self.send_json(handler, 401, {"error": "invalid_client", "error_description": "unknown client"})
        with self.lock:
            grant = self.codes.pop(params.get("code", ""), None)  # a code works once
        if grant is None:
            return refuse("code is unknown, expired or used")
        if params.get("device_id") != grant["device_id"]:
            return refuse("device_id does not match")
        if params.get("redirect_uri") != grant["redirect_uri"]:
            return refuse("redirect_uri does not match")
        verifier = params.get("code_verifier", "")
        if not 43 <= len(verifier) <= 128 or s256(verifier) != grant["challenge"]:
            return refuse("code_verifier does not match code_challenge")
        access_token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[access_token] = grant["user"]
        return self.send_json(
            handler,
            200,
            {
                "access_token": access_token,
                "refresh_token": secrets.token_urlsafe(32),
                "id_token": secrets.token_urlsafe(32),
                "token_type": "Bearer",
                "expires_in": 3600,
                "user_id": grant["user"].get("user_id"),
                "state": params.get("state", ""),
                "scope": grant["scope"],
            },
        )

    def user_info(self, handler, params):
        if params.get("client_id") != CLIENT_ID:
            return self.send_json(handler, 401, {"error": "invalid_client", "error_description": "unknown client"})
        with self.lock:
            user = self.tokens.get(params.get("access_token", ""))
        if user is None:
            refusal = {"error": "invalid_token", "error_description": "access token is invalid"}
            return self.send_json(handler, 401, refusal)
        return self.send_json(handler, 200, {"user": user})


def vk_user(user_id, first_name, last_name, birthday, email="", sex=2):
    """A VK ID user as /oauth2/user_info returns it (birthday DD.MM.YYYY)."""
    return {
        "user_id": str(user_id),
        "first_name": first_name,
        "last_name": last_name,
        "phone": "",
        "avatar": "",
        "email": email,
        "sex": sex,
        "verified": False,
        "birthday": birthday.strftime("%d.%m.%Y") if hasattr(birthday, "strftime") else birthday,
    }
