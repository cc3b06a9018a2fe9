"""A real SMTP server on 127.0.0.1 that stores what it receives, for tests.

Built on :mod:`socketserver` (``aiosmtpd`` is not installed here). It speaks
enough ESMTP for :mod:`smtplib` and Odoo's ``ir.mail_server``: EHLO/HELO,
AUTH PLAIN/LOGIN (any credentials accepted and recorded), MAIL, RCPT, DATA
(with dot-unstuffing), RSET, NOOP, VRFY, HELP, QUIT. No STARTTLS: configure the
mail server under test with ``smtp_encryption="none"``.

    from nordic_crm_fakes.smtp import FakeSMTPServer

    with FakeSMTPServer() as smtp:
        env["ir.mail_server"].create({
            "name": "loopback", "smtp_host": smtp.host, "smtp_port": smtp.port,
            "smtp_encryption": "none",
        })
        ...  # send mail
        msg = smtp.messages[-1]
        msg.mail_from, msg.rcpt_tos, msg.message["X-SMTPAPI"]

Odoo skips the SMTP conversation while a test runs (``odoo.modules.module.
current_test``); wrap the sending in :func:`odoo_sends_mail` so Odoo really
talks to the server::

    with FakeSMTPServer() as smtp, odoo_sends_mail():
        mail.send()

Scripted failures (bounces at SMTP time, temporary errors)::

    smtp.fail_next("RCPT", 550, "5.1.1 No such user")   # next RCPT refused
    smtp.fail_next("DATA", 451, "4.3.0 Try again", times=2)
"""

import email
import email.policy
import socketserver
import threading
import time
from base64 import b64decode
from contextlib import contextmanager
from dataclasses import dataclass, field
from unittest.mock import patch

__all__ = ["FakeSMTPServer", "ReceivedMessage", "odoo_sends_mail"]

MAX_LINE = 64 * 1024  # generous: X-SMTPAPI folding is what tests check, not us


@dataclass
class ReceivedMessage:
    """One message accepted by the server (stored before ``250`` is sent)."""

    mail_from: str
    rcpt_tos: list
    data: bytes
    helo: str = ""
    auth: tuple | None = None  # (username, password) when the client logged in
    peer: tuple = ()
    message: email.message.EmailMessage = field(init=False, repr=False)

    def __post_init__(self):
        self.message = email.message_from_bytes(self.data, policy=email.policy.default)

    @property
    def raw_lines(self):
        """The header/body lines as sent (to check folding/line length)."""
        return self.data.split(b"\r\n")

    def raw_header(self, name):
        """The unparsed header value including folding (CRLF + WSP kept)."""
        head = self.data.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
        lines = head.split("\r\n")
        prefix = name.lower() + ":"
        for index, line in enumerate(lines):
            if line.lower().startswith(prefix):
                parts = [line]
                for cont in lines[index + 1 :]:
                    if cont[:1] in (" ", "\t"):
                        parts.append(cont)
                    else:
                        break
                return "\r\n".join(parts)[len(prefix) :].lstrip(" ")
        return None


class _Session(socketserver.StreamRequestHandler):
    timeout = 30

    def setup(self):
        super().setup()
        self.fake = self.server.fake
        self.helo = ""
        self.auth = None
        self._reset()

    def _reset(self):
        self.mail_from = None
        self.rcpt_tos = []

    def reply(self, code, text):
        lines = text if isinstance(text, list) else [text]
        out = []
        for index, line in enumerate(lines):
            sep = " " if index == len(lines) - 1 else "-"
            out.append(f"{code}{sep}{line}\r\n")
        try:
            self.wfile.write("".join(out).encode())
            self.wfile.flush()
        except OSError:
            pass

    def readline(self):
        line = self.rfile.readline(MAX_LINE + 2)
        if not line:
            return None
        return line.rstrip(b"\r\n")

    def handle(self):
        self.reply(220, f"{self.fake.hostname} ESMTP fake ready")
        while True:
            line = self.readline()
            if line is None:
                return
            text = line.decode("utf-8", "replace")
            verb, _, arg = text.partition(" ")
            verb = verb.upper()
            self.fake.commands.append(text)
            scripted = self.fake._scripted(verb)
            if scripted:
                self.reply(*scripted)  # refused before any DATA payload
                continue
            method = getattr(self, f"smtp_{verb}", None)
            if method is None:
                self.reply(502, "5.5.2 Command not implemented")
                continue
            if method(arg.strip()) == "quit":
                return

    # -- commands -----------------------------------------------------------
    def smtp_HELO(self, arg):
        self.helo = arg
        self._reset()
        self.reply(250, self.fake.hostname)

    def smtp_EHLO(self, arg):
        self.helo = arg
        self._reset()
        self.reply(
            250,
            [
                self.fake.hostname,
                "8BITMIME",
                "SMTPUTF8",
                f"SIZE {self.fake.max_size}",
                "AUTH PLAIN LOGIN",
                "HELP",
            ],
        )

    def smtp_AUTH(self, arg):
        mech, _, initial = arg.partition(" ")
        mech = mech.upper()
        try:
            if mech == "PLAIN":
                if not initial:
                    self.reply(334, "")
                    initial = (self.readline() or b"").decode()
                _authzid, user, password = (
                    b64decode(initial).decode("utf-8").split("\0", 2)
                )
            elif mech == "LOGIN":
                if initial:
                    user = b64decode(initial).decode("utf-8")
                else:
                    self.reply(334, "VXNlcm5hbWU6")
                    user = b64decode(self.readline() or b"").decode("utf-8")
                self.reply(334, "UGFzc3dvcmQ6")
                password = b64decode(self.readline() or b"").decode("utf-8")
            else:
                self.reply(504, "5.5.4 Unrecognized authentication type")
                return
        except (ValueError, UnicodeDecodeError):
            self.reply(501, "5.5.2 Cannot decode response")
            return
        self.auth = (user, password)
        self.fake.logins.append(self.auth)
        self.reply(235, "2.7.0 Authentication successful")

    def smtp_MAIL(self, arg):
        if not arg.upper().startswith("FROM:"):
            self.reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
            return
        self._reset()
        self.mail_from = _address(arg[5:])
        self.reply(250, "2.1.0 OK")

    def smtp_RCPT(self, arg):
        if self.mail_from is None:
            self.reply(503, "5.5.1 Error: need MAIL command")
            return
        if not arg.upper().startswith("TO:"):
            self.reply(501, "5.5.4 Syntax: RCPT TO:<address>")
            return
        self.rcpt_tos.append(_address(arg[3:]))
        self.reply(250, "2.1.5 OK")

    def smtp_DATA(self, arg):
        if not self.rcpt_tos:
            self.reply(503, "5.5.1 Error: need RCPT command")
            return
        self.reply(354, "End data with <CR><LF>.<CR><LF>")
        lines = []
        while True:
            line = self.readline()
            if line is None:
                return
            if line == b".":
                break
            if line.startswith(b"."):
                line = line[1:]  # RFC 5321 4.5.2 transparency
            lines.append(line)
        data = b"\r\n".join(lines) + b"\r\n"
        self.fake._store(
            ReceivedMessage(
                mail_from=self.mail_from,
                rcpt_tos=list(self.rcpt_tos),
                data=data,
                helo=self.helo,
                auth=self.auth,
                peer=self.client_address,
            )
        )
        self._reset()
        self.reply(250, "2.0.0 OK: queued")

    def smtp_RSET(self, arg):
        self._reset()
        self.reply(250, "2.0.0 OK")

    def smtp_NOOP(self, arg):
        self.reply(250, "2.0.0 OK")

    def smtp_VRFY(self, arg):
        self.reply(252, "2.0.0 Cannot VRFY user")

    def smtp_HELP(self, arg):
        self.reply(214, "EHLO HELO AUTH MAIL RCPT DATA RSET NOOP VRFY QUIT")

    def smtp_QUIT(self, arg):
        self.reply(221, "2.0.0 Bye")
        return "quit"


def _address(arg):
    """``<a@b> SIZE=12`` -> ``a@b``."""
    arg = arg.strip()
    if arg.startswith("<"):
        return arg[1 : arg.find(">")] if ">" in arg else arg[1:]
    return arg.split(" ", 1)[0]


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FakeSMTPServer:
    """SMTP server on 127.0.0.1:<random port>; use as a context manager."""

    def __init__(self, host="127.0.0.1", port=0, hostname="fake-smtp.test"):
        self.host = host
        self.port = port
        self.hostname = hostname
        self.max_size = 25 * 1024 * 1024
        self.messages = []
        self.commands = []
        self.logins = []
        self._queued = []
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # -- scripting ------------------------------------------------------------
    def fail_next(self, verb, code, text, times=1):
        """Answer the next ``times`` ``verb`` commands with ``code text``."""
        with self._lock:
            self._queued.append([verb.upper(), code, text, times])

    def _scripted(self, verb):
        with self._lock:
            for item in self._queued:
                if item[0] == verb:
                    item[3] -= 1
                    if item[3] <= 0:
                        self._queued.remove(item)
                    return item[1], item[2]
        return None

    def _store(self, message):
        with self._lock:
            self.messages.append(message)

    # -- queries --------------------------------------------------------------
    def messages_to(self, address):
        address = address.lower()
        return [m for m in self.messages if address in (r.lower() for r in m.rcpt_tos)]

    def wait_for(self, count=1, timeout=5.0):
        """Wait until at least ``count`` messages arrived; return them."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.messages)

    def clear(self):
        with self._lock:
            self.messages.clear()
            self.commands.clear()
            self.logins.clear()

    # -- lifecycle ------------------------------------------------------------
    def start(self):
        self._server = _Server((self.host, self.port), _Session)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


@contextmanager
def odoo_sends_mail():
    """Let Odoo really send mail inside a test (it skips SMTP in test mode).

    Only Odoo's "a test is running" switch is changed; ``ir.mail_server`` and
    everything above it run unchanged. Odoo is imported lazily so this module
    stays usable without Odoo.
    """
    import odoo.modules.module

    with patch.object(odoo.modules.module, "current_test", False):
        yield
