"""/metrics over real sockets (issue 12): a telnet and a web player (and a /presence feed)
play, and a scrape of the metrics listener, parsed by prometheus_client's own parser,
counts them by transport, their commands, a failed login, link-dead bodies and the lag
probes; the metrics are not on the web listener; the default listener is reachable on
loopback only; a real twistd serves them and still stops cleanly."""

from __future__ import annotations

import re
import signal
import socket
import urllib.request
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater
from twisted.trial import unittest
from twisted.web.client import Agent, readBody

from mud.config import Settings
from tests.e2e.client import connect
from tests.e2e.processes import log_in, telnet_server, until
from tests.e2e.server import LOOPBACK, ServerTestCase
from tests.e2e.wsclient import connect_web, registered_web

Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def parse(text: str) -> Samples:
    """Every sample of a scrape: {sample name: {sorted labels: value}}."""
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = \
                sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[name][tuple(sorted(labels.items()))]


def outside_address() -> str | None:
    """An IPv4 address of this host that is not loopback (None when it has none)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") or address == "0.0.0.0" else address


class MetricsTests(ServerTestCase):
    @inlineCallbacks
    def get(self, port: int, path: str = "/metrics") -> Any:
        response = yield Agent(reactor).request(
            b"GET", f"http://127.0.0.1:{port}{path}".encode())
        body = yield readBody(response)
        return response, body.decode("utf-8")

    @inlineCallbacks
    def scrape(self, port: int) -> Any:
        response, text = yield self.get(port)
        self.assertEqual(response.code, 200)
        content_type = response.headers.getRawHeaders(b"content-type")[0]
        self.assertTrue(content_type.startswith(b"text/plain"), content_type)
        return parse(text)

    def web_player(self, name: str) -> Any:
        return registered_web(self.web_port, name)

    @inlineCallbacks
    def test_a_scrape_counts_telnet_and_web_players_and_their_commands(self):
        service = self.start(metrics=(LOOPBACK,), linkdead=60)
        port = service.ports("metrics")[0]
        before = yield self.scrape(port)
        self.assertEqual(value(before, "mud_connections", transport="telnet"), 0)
        self.assertEqual(value(before, "mud_commands_total", transport="telnet"), 0)

        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Village Square")
        web = yield self.web_player("Cleo")
        feed = yield connect_web(self.web_port, "/presence")
        yield feed.wait("snapshot")
        yield ann.ask("look", "Village Square")
        yield ann.ask("say Hello, Cleo.", "You say")
        web.command("look")
        yield web.wait("room")
        guesser = yield connect(self.telnet_port)
        yield guesser.ask("connect Ann wrongpass9", "do not match")

        samples = yield self.scrape(port)
        self.assertEqual(value(samples, "mud_connections", transport="telnet"), 2)
        self.assertEqual(value(samples, "mud_connections", transport="web"), 1)
        self.assertEqual(value(samples, "mud_connections", transport="presence"), 1)
        self.assertEqual(value(samples, "mud_players"), 2)
        self.assertEqual(value(samples, "mud_players_linkdead"), 0)
        self.assertEqual(value(samples, "mud_commands_total", transport="telnet"), 2)
        self.assertEqual(value(samples, "mud_commands_total", transport="web"), 1)
        self.assertEqual(value(samples, "mud_command_seconds_count"), 3)
        self.assertGreater(value(samples, "mud_command_seconds_sum"), 0)
        self.assertEqual(value(samples, "mud_login_failures_total"), 1)
        self.assertEqual(value(samples, "mud_login_throttled_total"), 0)
        self.assertEqual(value(samples, "mud_output_buffer_bytes"), 0)
        self.assertGreater(value(samples, "process_resident_memory_bytes"), 1_000_000)

        # Ann's connection dies: she waits in the world, link-dead.
        ann.transport.abortConnection()
        yield ann.closed
        for _ in range(250):
            samples = yield self.scrape(port)
            if value(samples, "mud_players_linkdead") == 1:
                break
            yield deferLater(reactor, 0.02, lambda: None)
        self.assertEqual(value(samples, "mud_players_linkdead"), 1)
        self.assertEqual(value(samples, "mud_connections", transport="telnet"), 1)
        # The lag probes fire every second.
        for _ in range(100):
            samples = yield self.scrape(port)
            if value(samples, "mud_reactor_lag_seconds_count") >= 1 and \
                    value(samples, "mud_scheduler_lag_seconds_count") >= 1:
                break
            yield deferLater(reactor, 0.05, lambda: None)
        self.assertGreaterEqual(value(samples, "mud_reactor_lag_seconds_count"), 1)
        self.assertGreaterEqual(value(samples, "mud_scheduler_lag_seconds_count"), 1)
        web.sendClose()
        yield web.closed
        feed.sendClose()
        yield feed.closed
        guesser.transport.loseConnection()
        yield guesser.closed

    @inlineCallbacks
    def test_the_metrics_are_not_served_on_the_web_listener(self):
        service = self.start(metrics=(LOOPBACK,))
        response, text = yield self.get(self.web_port, "/metrics")
        self.assertEqual(response.code, 404)
        self.assertNotIn("mud_", text)
        # On their own listener: /metrics, and / says where they are; nothing else.
        port = service.ports("metrics")[0]
        self.assertNotIn(port, service.ports("web"))
        response, text = yield self.get(port, "/")
        self.assertEqual(response.code, 200)
        self.assertIn("/metrics", text)
        response, text = yield self.get(port, "/ws")
        self.assertEqual(response.code, 404)
        # ?name[]=... picks metrics by name.
        response, text = yield self.get(port, "/metrics?name[]=mud_players"
                                              "&name[]=process_resident_memory_bytes")
        self.assertEqual(set(parse(text)), {"mud_players", "process_resident_memory_bytes"})

    @inlineCallbacks
    def test_metrics_none_serves_nothing(self):
        service = self.start(metrics=("none",))
        self.assertEqual(service.ports("metrics"), [])
        self.assertIsNone(service.game.metrics)
        player = yield connect(self.telnet_port)
        yield player.ask("create Ann secret1", "Village Square")
        yield player.ask("look", "Village Square")  # commands run untimed
        player.transport.loseConnection()
        yield player.closed


class DefaultListenerTests(ServerTestCase):
    @inlineCallbacks
    def test_the_default_metrics_listener_is_reachable_on_loopback_only(self):
        address = outside_address()
        if address is None:
            raise unittest.SkipTest("this host has no address but loopback")
        # The default listener's description, on a free port instead of its own; the web
        # listener on every interface shows the outside address does reach this host.
        default = Settings().metrics
        self.assertEqual(len(default), 1)
        endpoint = re.sub(r"^tcp:\d+", "tcp:0", default[0])
        service = self.start(metrics=(endpoint,), web=("tcp:0",))
        port = service.ports("metrics")[0]
        web_port = service.ports("web")[0]
        reached = yield self.connects(address, web_port)
        self.assertTrue(reached, f"the web port is not reachable at {address}")
        reached = yield self.connects(address, port)
        self.assertFalse(reached, f"the metrics port is reachable at {address}")
        reached = yield self.connects("127.0.0.1", port)
        self.assertTrue(reached)

    def connects(self, host: str, port: int) -> Any:
        """Whether a TCP connection to host:port is accepted (in a thread: it blocks)."""
        from twisted.internet.threads import deferToThread

        def attempt() -> bool:
            try:
                with socket.create_connection((host, port), timeout=3):
                    return True
            except OSError:
                return False
        return deferToThread(attempt)


def test_a_real_twistd_serves_metrics_and_stops_cleanly(tmp_path, servers):
    server = telnet_server(tmp_path, servers)
    port = server.port("metrics")
    ann = log_in(server, "create Ann secret1", "Village Square")
    ann.ask("look", "Village Square")

    def scrape() -> Samples:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
            return parse(reply.read().decode("utf-8"))
    until(lambda: value(scrape(), "mud_commands_total", transport="telnet") == 1,
          what="the command counted")
    samples = scrape()
    assert value(samples, "mud_players") == 1
    assert value(samples, "mud_connections", transport="telnet") == 1
    assert value(samples, "process_resident_memory_bytes") > 1_000_000
    assert re.search(r"metrics listening on 127\.0\.0\.1:\d+", server.output())
    server.proc.send_signal(signal.SIGTERM)
    ann.wait_for("Your character is saved")
    assert server.finish() == 0
