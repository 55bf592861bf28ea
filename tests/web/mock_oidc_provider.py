"""A small OpenID Connect provider for tests, in the shape of Microsoft Entra ID.

It serves discovery, a JWKS, an authorisation endpoint that signs in whoever the test says
(no login page), and a token endpoint that checks the client secret and PKCE verifier and
returns an RS256-signed id_token carrying Entra's ``tid``/``oid`` and app ``roles`` claims.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "kinsight-test-client"
CLIENT_SECRET = "test-secret-not-real"


class MockOidcProvider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
        #: The claims the next sign-in will carry; tests change these.
        self.user_claims: dict = {}
        #: Set to sign id_tokens with another key (a forged token).
        self.signing_key = self.key
        self._codes: dict[str, dict] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}/tenant-1/v2.0"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def start(self) -> MockOidcProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/keys",
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, query: dict) -> str:
        """The redirect back to the client after the user 'signs in'."""
        code = secrets.token_urlsafe(16)
        self._codes[code] = {
            "nonce": query.get("nonce"),
            "challenge": query.get("code_challenge"),
            "redirect_uri": query["redirect_uri"],
            "claims": dict(self.user_claims),
        }
        return f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"

    def token(self, form: dict, authorization: str | None) -> tuple[int, dict]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.startswith("Basic "):
            client_id, secret = base64.b64decode(authorization[6:]).decode().split(":", 1)
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client"}
        grant = self._codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        if digest.decode() != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        now = int(time.time())
        claims = {
            "iss": self.issuer, "aud": CLIENT_ID, "iat": now, "nbf": now, "exp": now + 600,
            "nonce": grant["nonce"], "tid": "tenant-1", **grant["claims"],
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key-1"}, claims, self.signing_key)
        return 200, {
            "access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
            "expires_in": 600, "id_token": id_token,
        }

    def _handler(provider_self):
        provider = provider_self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                route = url.path.removeprefix(urlparse(provider.issuer).path)
                if route == "/.well-known/openid-configuration":
                    return self._json(200, provider.metadata())
                if route == "/keys":
                    return self._json(200, {"keys": [provider.key.as_dict(private=False)]})
                if route == "/authorize":
                    query = {k: v[0] for k, v in parse_qs(url.query).items()}
                    self.send_response(302)
                    self.send_header("Location", provider.authorize(query))
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not found"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = provider.token(form, self.headers.get("Authorization"))
                return self._json(status, body)

        return Handler
