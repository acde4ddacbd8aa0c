"""ssl: endpoints: telnet over TLS, and https + wss for the web listener, with a real cert."""

from __future__ import annotations

import datetime
import json
import socket
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from twisted.internet import reactor, threads
from twisted.internet.defer import inlineCallbacks
from twisted.trial import unittest

from mud.config import Settings
from mud.service import MudService
from mud.tap import build_service
from tests.e2e.server import eventually
from tests.e2e.wsclient import connect_web
from tests.support import BUNDLED_WORLD, CHEAP, plain


def self_signed(folder) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    key_path, cert_path = folder / "key.pem", folder / "cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


def client_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def telnet_over_tls(port: int) -> str:
    """A blocking TLS client (run in a thread): create a character, return what it saw."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            client_context().wrap_socket(raw) as tls:
        tls.sendall(b"create Tess secret1\r\nquit\r\n")
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
        return plain(data)


def refused_over_tls(port: int) -> str:
    """Hold one TLS connection open, open a second: what the second is told, over TLS."""
    # The first is in once its handshake is done; the second is over the limit.
    with socket.create_connection(("127.0.0.1", port), timeout=10) as first, \
            client_context().wrap_socket(first), \
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw, \
            client_context().wrap_socket(raw) as tls:
        data = b""
        try:
            while chunk := tls.recv(65536):
                data += chunk
        except (ssl.SSLEOFError, ConnectionResetError):
            pass
        return data.decode("utf-8", "replace")


def https_get(port: int, path: str) -> tuple[str, bytes]:
    import http.client
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=client_context())
    conn.request("GET", path)
    response = conn.getresponse()
    return str(response.status), response.read()


class TLSTests(unittest.TestCase):
    def tls_server(self, **overrides: object) -> MudService:
        """A server whose telnet and web listeners both speak TLS, with a fresh certificate."""
        folder = Path(self.mktemp())
        folder.mkdir(parents=True)
        key, cert = self_signed(folder)
        endpoint = f"ssl:0:interface=127.0.0.1:privateKey={key}:certKey={cert}"
        settings = Settings(telnet=(endpoint,), web=(endpoint,), metrics=(),
                            world=str(BUNDLED_WORLD),
                            data=str(folder / "var"), autosave=3600).with_values(overrides,
                                                                                 "test")
        service = build_service(settings, reactor=reactor, password_cost=CHEAP)
        service.privilegedStartService()
        service.startService()
        self.addCleanup(service.stopService)
        return service

    @inlineCallbacks
    def test_telnet_over_tls_and_https(self):
        service = self.tls_server()
        telnet_port, web_port = service.ports("telnet")[0], service.ports("web")[0]

        seen = yield threads.deferToThread(telnet_over_tls, telnet_port)
        self.assertIn("Village Square", seen)
        self.assertIn("Farewell", seen)

        status, body = yield threads.deferToThread(https_get, web_port, "/api/who")
        self.assertEqual((status, json.loads(body)), ("200", []))
        status, body = yield threads.deferToThread(https_get, web_port, "/")
        self.assertEqual(status, "200")
        self.assertIn(b'id="output"', body)

        player = yield connect_web(web_port, tls=True)
        hello = yield player.wait("hello")
        self.assertEqual(hello["world"], "Emberfall")
        player.send(type="login", name="Tess", password="secret1")
        yield player.wait("login_ok", name="Tess")
        player.sendClose()
        yield player.closed
        # Every one of those TLS connections, the wss one included, gave its slot back.
        yield eventually(lambda: service.peer_limits.open == {})

    @inlineCallbacks
    def test_a_refused_tls_client_is_told_why_over_tls(self):
        service = self.tls_server(connections_per_ip=1)
        for what in ("telnet", "web"):
            told = yield threads.deferToThread(refused_over_tls, service.ports(what)[0])
            expected = "503 Service Unavailable" if what == "web" else "Sorry: too many"
            self.assertIn(expected, told, what)
            self.assertIn("too many connections from your address", told)
            yield eventually(lambda: service.peer_limits.open == {})
