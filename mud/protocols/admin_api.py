"""The admin HTTP API: ``/api/admin/...`` on the web listener, for a bearer token's holder.

    GET  /api/admin/who              who is connected (name, transport, client, address,
                                     seconds) and the link-dead bodies
    POST /api/admin/announce         {"text": "..."}
    POST /api/admin/kick             {"name": "...", "reason": "..."?}
    POST /api/admin/ban              {"target": "name|address|CIDR", "duration": "7d|forever",
                                      "reason": "..."}
    POST /api/admin/unban            {"target": "..."}
    POST /api/admin/shutdown         {"seconds": 300?, "reason": "..."?, "reboot": false?}
    POST /api/admin/shutdown/cancel  (no body)

Every request must carry ``Authorization: Bearer <token>``, a token the sysadmin made from
the shell (mud/api_tokens.py, mud-admin-token); without one, or with one the store does not
hold, the answer is 401 with ``WWW-Authenticate: Bearer`` whatever the path, so nothing
about the API shows to a caller without a token. A header that holds no value of a
token's form is refused without a look at the store, and the stored hashes are kept for
a moment (mud/api_tokens.py); an address refused too often waits, answered 429 with
``Retry-After`` (mud/api_refusals.py). The actions are the admin commands' own
helpers (mud/systems/admin): the same parsing, limits and refusals as in game, with the
token's label as the admin's name. JSON in, JSON out: an error is ``{"error": CODE,
"message": TEXT}`` with a 4xx status, never a traceback. Every request with a good
token leaves an ``api`` audit line with the label, the caller's address and transport
``http``, besides the audit lines of the action itself; refusals leave an ``api_refused``
line for the first from an address and then one summary a minute with their count.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.logger import Logger
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from mud.api_refusals import RefusalGuard
from mud.api_tokens import ApiTokens, bearer, well_formed
from mud.audit import audit
from mud.engine.actions import Refusal
from mud.engine.model import NOBODY
from mud.engine.tells import DIRECTORY
from mud.persistence.store import StoreError
from mud.protocols import bounded_json
from mud.systems.admin import announce_elsewhere, announce_to_all, connection_rows, kick_player
from mud.systems.admin.bans import ban_target, unban_target
from mud.systems.admin.lifecycle import cancel_stop, start_stop

log = Logger()

# Largest request body taken (bytes): the longest announcement is 500 characters. (The web
# listener refuses bodies over 16 KiB before they get here: http_guard.MAX_BODY.)
MAX_BODY = 8 * 1024
# How deeply a body's JSON may nest: every field is a plain string, number or boolean.
MAX_DEPTH = 4
TRANSPORT = "http"
REALM = b'Bearer realm="emberfall-admin"'
KINDS = {str: "a string", int: "a whole number", bool: "true or false"}


class ApiError(Exception):
    """An answer other than success: HTTP ``status``, error ``code``, ``message``."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[bytes, bytes] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


Handler = Callable[[Any, str, str, dict[str, Any]], "dict[str, Any] | Deferred[Any]"]


def _fields(body: dict[str, Any], required: dict[str, type], optional: dict[str, type]
            ) -> dict[str, Any]:
    """``body`` checked: the required fields there, no others than those named, each of
    its type (a bool is no int here)."""
    unknown = sorted(set(body) - set(required) - set(optional))
    if unknown:
        raise ApiError(400, "bad_field", f"Unknown field {unknown[0][:40]!r}; this endpoint "
                       f"takes {', '.join(sorted({**required, **optional})) or 'none'}.")
    for name, kind in {**required, **optional}.items():
        if name not in body:
            if name in required:
                raise ApiError(400, "bad_field", f"The field {name!r} is missing.")
            continue
        value = body[name]
        if value is None and name in optional:
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ApiError(400, "bad_field", f"The field {name!r} must be {KINDS[kind]}.")
    return body


def who(game: Any, label: str, peer: str, body: dict[str, Any]) -> dict[str, Any]:
    """Each connection (as the ``users`` command lists them), then each link-dead body,
    then (a server linked to other realms) the players of the other realms, each with its
    ``realm`` (their addresses and clients stay with their own realm)."""
    users = [{"name": name or None, "transport": via, "client": client or None,
              "address": address or None, "seconds": round(seconds), "linkdead": False}
             for name, via, client, address, seconds in connection_rows(game)]
    users += [{"name": c.name, "transport": c.via or None, "client": None, "address": None,
               "seconds": None, "linkdead": True}
              for c in sorted(game.world.online.values(), key=lambda c: c.name)
              if c.link is NOBODY]
    elsewhere = game.world.parts.get(DIRECTORY)
    if elsewhere is not None and game.world.bus.up:
        users += [{"name": name, "transport": via, "client": None, "address": None,
                   "seconds": None, "linkdead": linkdead, "realm": realm}
                  for name, via, realm, linkdead, _ in elsewhere.players()]
    return {"users": users}


def announce(game: Any, label: str, peer: str, body: dict[str, Any]) -> dict[str, Any]:
    text = _fields(body, {"text": str}, {})["text"]
    sent = announce_to_all(game, text, label, peer, TRANSPORT)
    answer = {"ok": True, "text": sent, "players": len(game.world.online)}
    if game.world.bus.clustered:
        # Whether the other realms were told too (they cannot be while the link is down).
        answer["other_realms"] = announce_elsewhere(game, sent, label)
    return answer


def kick(game: Any, label: str, peer: str, body: dict[str, Any]) -> Deferred[Any]:
    fields = _fields(body, {"name": str}, {"reason": str})
    name = fields["name"].strip()
    elsewhere = game.world.parts.get(DIRECTORY)
    # name@realm, or a name only another realm has, is that realm's to kick.
    remote = "@" in name or (elsewhere is not None and name.lower() not in game.world.online
                             and elsewhere.realms_of(name.lower()))
    if not name or (not remote and name.lower() not in game.world.online):
        raise ApiError(404, "not_found", f"Nobody called {name[:30]!r} is in the game.")
    told: list[str] = []
    saved = kick_player(game, name, fields.get("reason") or "", label, told.append)
    return saved.addCallback(lambda _: {"ok": True, "messages": told})


def ban(game: Any, label: str, peer: str, body: dict[str, Any]) -> Deferred[Any]:
    fields = _fields(body, {"target": str, "duration": str, "reason": str}, {})
    told: list[str] = []
    done = ban_target(game, fields["target"], fields["duration"], fields["reason"], label,
                      peer, TRANSPORT, told.append)
    return done.addCallback(lambda _: {"ok": True, "messages": told})


def unban(game: Any, label: str, peer: str, body: dict[str, Any]) -> Deferred[Any]:
    target = _fields(body, {"target": str}, {})["target"]
    told: list[str] = []
    done = unban_target(game, target, label, peer, TRANSPORT, told.append)
    return done.addCallback(lambda _: {"ok": True, "messages": told})


def shutdown(game: Any, label: str, peer: str, body: dict[str, Any]) -> dict[str, Any]:
    fields = _fields(body, {}, {"seconds": int, "reason": str, "reboot": bool})
    countdown = start_stop(game, fields.get("seconds"), fields.get("reason") or "",
                           bool(fields.get("reboot")), label, peer, TRANSPORT)
    return {"ok": True, "seconds": countdown.left(), "reboot": countdown.reboot,
            "reason": countdown.reason}


def cancel(game: Any, label: str, peer: str, body: dict[str, Any]) -> dict[str, Any]:
    _fields(body, {}, {})
    countdown = cancel_stop(game, label, peer, TRANSPORT)
    return {"ok": True, "cancelled": "reboot" if countdown.reboot else "shutdown"}


# path -> (method, handler)
ROUTES: dict[str, tuple[bytes, Handler]] = {
    "who": (b"GET", who),
    "announce": (b"POST", announce),
    "kick": (b"POST", kick),
    "ban": (b"POST", ban),
    "unban": (b"POST", unban),
    "shutdown": (b"POST", shutdown),
    "shutdown/cancel": (b"POST", cancel),
}


def _body(request: Request) -> dict[str, Any]:
    """The request's JSON object (an empty body is ``{}``), read at most MAX_BODY + 1
    bytes."""
    content = request.content
    if content is None:
        return {}
    content.seek(0)
    raw = content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_large", f"Request bodies are limited to {MAX_BODY} bytes.")
    if not raw.strip():
        return {}
    kind = (request.getHeader(b"content-type") or b"").split(b";")[0].strip().lower()
    if kind != b"application/json":
        raise ApiError(415, "unsupported_media_type",
                       "Send the body as JSON, with Content-Type: application/json.")
    try:
        body = bounded_json.loads(raw.decode("utf-8"), MAX_DEPTH, surrogates="refuse")
    except bounded_json.LoneSurrogate:
        # "\ud800" decodes to half a character no UTF-8 encoder takes: refused whole, as
        # a name, reason or announcement holding one would break what shows it.
        raise ApiError(400, "bad_text", "The body holds a lone UTF-16 surrogate (an escape "
                       "such as \\ud800 without its other half), which is not text.") \
            from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, "bad_json", f"The body is not valid JSON ({str(exc)[:80]}).") \
            from None
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", "The body must be a JSON object.")
    return body


class AdminApi(Resource):
    """``/api/admin``: every path below it, one handler each (ROUTES)."""

    isLeaf = True

    def __init__(self, game: Any, tokens: ApiTokens | None = None,
                 guard: RefusalGuard | None = None) -> None:
        super().__init__()
        self.game = game
        self.tokens = tokens or ApiTokens(game.store, game.world.clock.seconds)
        # The refusals' throttle and audit summaries (a service: the server's stop writes
        # the summaries still pending).
        self.guard = guard or RefusalGuard(game.world.clock, TRANSPORT)

    def render(self, request: Request) -> int:
        path = "/".join(p.decode("utf-8", "replace") for p in request.postpath).strip("/")
        peer = str(getattr(request.getClientAddress(), "host", "") or "")
        gone: list[bool] = []
        request.notifyFinish().addErrback(lambda _: gone.append(True))
        d = self._authenticate(request, path[:60] or "/", peer)
        d.addCallback(self._serve, request, path, peer)
        d.addErrback(self._failed, request, path)
        d.addCallback(self._answer, request, gone)
        return NOT_DONE_YET

    def _authenticate(self, request: Request, path: str, peer: str) -> Deferred[str]:
        """Fires with the label of the request's token; fails with a 401 without a token
        the store holds (the store not asked when the header holds nothing of a token's
        form), or a 429 while ``peer`` is held back for its refusals. A good token is still
        served from a held-back address (others behind the same proxy or host must not
        lock the admin out): only a value of a token's form is compared, against the
        cached hashes, and a wrong one is a 429 that counts nothing more."""
        presented = bearer(request.getHeader(b"authorization"))
        wait = self.guard.wait(peer)
        if wait > 0:
            def held(label: str | None) -> str:
                if label is not None:
                    self.guard.succeeded(peer)
                    return label
                request.quiet = True  # type: ignore[attr-defined]
                self.guard.refused(peer, path, "throttled")
                seconds = max(1, math.ceil(self.guard.wait(peer)))
                raise ApiError(
                    429, "too_many_requests", f"Too many refused requests from your "
                    f"address: wait {seconds} second{'s' if seconds != 1 else ''} and try "
                    "again.", {b"retry-after": str(seconds).encode("ascii")})
            if not well_formed(presented):
                return maybeDeferred(held, None)
            return self.tokens.check(presented).addCallback(held)

        def checked(label: str | None) -> str:
            if label is not None:
                self.guard.succeeded(peer)
                return label
            had_token = presented is not None
            request.quiet = True  # type: ignore[attr-defined]
            self.guard.failed(peer)
            self.guard.refused(peer, path, "wrong token" if had_token else "no token")
            headers = {b"www-authenticate": REALM + (b', error="invalid_token"'
                                                     if had_token else b"")}
            message = ("That token is not valid (revoked, mistyped, or another server's)."
                       if had_token else "This API needs an admin token: Authorization: "
                       "Bearer <token>, made with mud-admin-token create LABEL.")
            raise ApiError(401, "unauthorized", message, headers)
        result: Deferred[str] = self.tokens.check(presented).addCallback(checked)
        return result

    def _serve(self, label: str, request: Request, path: str, peer: str) -> Any:
        method = request.method.upper()

        def done(result: Any) -> Any:
            status = (result.status if isinstance(result, ApiError) else
                      500 if isinstance(result, Failure) else 200)
            audit("api", label, peer, TRANSPORT, method=method.decode("latin-1"),
                  path=path[:60], status=status)
            if isinstance(result, ApiError):
                raise result
            return result
        route = ROUTES.get(path)
        if route is None:
            d: Deferred[Any] = maybeDeferred(self._raise, ApiError(
                404, "not_found", f"No such endpoint: /api/admin/{path[:60]}. There are: "
                f"{', '.join(sorted(ROUTES))}."))
        elif method != route[0]:
            d = maybeDeferred(self._raise, ApiError(
                405, "method_not_allowed", f"/api/admin/{path} takes {route[0].decode()}.",
                {b"allow": route[0]}))
        else:
            d = maybeDeferred(lambda: route[1](self.game, label, peer, _body(request)))
        d.addErrback(self._refused)
        return d.addBoth(done)

    @staticmethod
    def _raise(error: ApiError) -> None:
        raise error

    @staticmethod
    def _refused(failure: Any) -> ApiError:
        """The failures the game gives as answers: its refusals, a store that cannot
        write."""
        if failure.check(ApiError):
            return failure.value
        if failure.check(Refusal):
            return ApiError(409, "refused", failure.value.message)
        if failure.check(StoreError):
            return ApiError(503, "unavailable", "The server cannot write to its storage "
                            "just now; the log says why. Try again in a while.")
        return failure

    def _failed(self, failure: Any, request: Request, path: str) -> ApiError:
        if failure.check(ApiError):
            return failure.value
        if failure.check(StoreError):
            return ApiError(503, "unavailable", "The server cannot read its storage just "
                            "now; the log says why. Try again in a while.")
        log.failure("admin API request for /api/admin/{path} failed", failure, path=path)
        return ApiError(500, "internal", "Something went wrong on the server; the log "
                        "says what.")

    @staticmethod
    def _answer(result: Any, request: Request, gone: list[bool]) -> None:
        if gone:
            return  # the caller hung up: nobody to answer
        status, payload = 200, result
        headers: dict[bytes, bytes] = {}
        if isinstance(result, ApiError):
            status, payload = result.status, {"error": result.code,
                                              "message": result.message}
            headers = result.headers
        try:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8") + b"\n"
        except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
            # An answer that cannot be written (a lone surrogate from somewhere, a value
            # JSON does not take) is still an answer: the request must never hang.
            log.failure("admin API answer could not be encoded")
            status, headers = 500, {}
            body = json.dumps({"error": "internal", "message": "Something went wrong on "
                               "the server; the log says what."}).encode() + b"\n"
        for name, value in headers.items():
            request.setHeader(name, value)
        request.setResponseCode(status)
        request.setHeader(b"content-type", b"application/json; charset=utf-8")
        request.setHeader(b"cache-control", b"no-store")
        request.write(body)
        request.finish()

