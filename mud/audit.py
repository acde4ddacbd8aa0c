"""The audit log: who logged in, failed to, left, was taken over, kicked... and from where.

``audit(event, name, address, transport, **details)`` emits one structured line through
Twisted's logger (namespace ``mud.audit``), so it lands in twistd's log like every other
line, as ``audit login name=Ann address=203.0.113.5 transport=telnet method=password``.
The fields travel with the log event under ``mud_audit``, so an observer can write them as
data: ``AuditFile`` (the ``audit_file`` setting) appends each as one JSON line to a file.

Events today: ``login``, ``login_failed``, ``register``, ``logout``, ``takeover``,
``linkdead``, ``kick``, ``revoke``, ``announce``; other systems call ``audit`` for theirs
(role changes, bans, building) with the same fields. Secrets never appear: a detail whose
name holds ``password``, ``token`` or ``secret`` is dropped whatever its value, and the
login path passes only names, addresses and outcomes.

Writing the file: each line is one ``write`` of well under a kilobyte to a file opened for
appending, through ``twisted.python.logfile.LogFile`` (which rotates it by size), on the
thread that logged it. That is the same path twistd's own log file takes: an append lands
in the kernel's page cache without waiting for the disk (no fsync), so it costs the reactor
microseconds; handing each line to a worker thread would cost a thread hop per line and
could reorder lines from one moment, which an audit trail must not.
"""

from __future__ import annotations

import json
import os
from typing import Any

from twisted.application.service import Service
from twisted.logger import ILogObserver, Logger, LogPublisher, globalLogPublisher
from twisted.python.logfile import LogFile
from zope.interface import implementer

from mud.errors import StartupError

log = Logger(namespace="mud.audit")

# The key an audit line's fields travel under in the log event.
FIELDS_KEY = "mud_audit"
# Detail names that may hold a secret: such details are dropped, never logged.
SECRET_WORDS = ("password", "token", "secret")
# Longest value of one field (characters): a name typed at the login screen is the
# player's to choose, and the log is not the place for a novel.
MAX_FIELD = 120
# An audit file is rotated past this many bytes (the old one kept as <file>.1, .2, ...).
ROTATE_BYTES = 10 * 1024 * 1024


def _field(value: object) -> str:
    text = " ".join(str(value).split())
    # Control characters never reach an admin's terminal through the log.
    text = "".join(ch for ch in text if ch.isprintable())
    return text if len(text) <= MAX_FIELD else text[:MAX_FIELD] + "..."


def audit_fields(event: str, name: str = "", address: str = "", transport: str = "",
                 **details: object) -> dict[str, str]:
    """The fields of one audit line: event, name, address, transport, then ``details``
    (those whose name suggests a secret left out)."""
    fields = {"event": event, "name": _field(name), "address": _field(address),
              "transport": _field(transport)}
    for key, value in details.items():
        if any(word in key.lower() for word in SECRET_WORDS) or value is None:
            continue
        fields[key] = _field(value)
    return fields


def audit(event: str, name: str = "", address: str = "", transport: str = "",
          **details: object) -> dict[str, str]:
    """Log one audit line; returns its fields."""
    fields = audit_fields(event, name, address, transport, **details)
    line = " ".join(f"{key}={value or '-'}" for key, value in fields.items()
                    if key != "event")
    # The line goes in as a field, not as the format: what players typed is never parsed
    # as a format string.
    log.info("audit {audit_event} {audit_line}", audit_event=event, audit_line=line,
             **{FIELDS_KEY: fields})
    return fields


@implementer(ILogObserver)
class AuditFile(Service):
    """Appends every audit line to ``path`` as one JSON object per line, while running."""

    def __init__(self, path: str, publisher: LogPublisher | None = None) -> None:
        self.path = os.path.abspath(path)
        self.publisher = publisher if publisher is not None else globalLogPublisher
        self.file: LogFile | None = None
        self.check()

    def check(self) -> None:
        """Raise StartupError when the file cannot be written (said at start-up)."""
        folder = os.path.dirname(self.path)
        if not os.path.isdir(folder):
            raise StartupError(f"audit_file: the folder {folder} does not exist")
        if os.path.isdir(self.path) or not os.access(folder, os.W_OK) or \
                (os.path.exists(self.path) and not os.access(self.path, os.W_OK)):
            raise StartupError(f"audit_file: cannot write to {self.path}")

    def startService(self) -> None:
        super().startService()
        self.file = LogFile.fromFullPath(self.path, rotateLength=ROTATE_BYTES)
        self.publisher.addObserver(self)

    def stopService(self) -> None:
        self.publisher.removeObserver(self)
        if self.file is not None:
            self.file.close()
            self.file = None
        super().stopService()

    def __call__(self, event: dict[str, Any]) -> None:
        fields = event.get(FIELDS_KEY)
        if fields is None or self.file is None:
            return
        record = {"time": round(float(event.get("log_time", 0.0)), 3), **fields}
        self.file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.file.flush()
