"""A real HTTP server on 127.0.0.1 that records requests and answers by script.

Subclass :class:`FakeServer` and implement ``handle(request)`` returning a
:class:`Reply`; or queue one-off replies with :meth:`FakeServer.queue` to
simulate errors (4xx, 5xx, timeouts) for the next matching requests::

    with FakeGraph() as fake:
        fake.queue("POST", "/v23.0/123/messages", Reply(500, {"error": {...}}))
        client = Client(base_url=fake.url)
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int = 200
    body: object = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to sleep before answering (simulate timeouts)

    def encode(self):
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


class Rendezvous:
    """The first ``parties`` requests matching ``method`` and ``path_part``
    wait for each other before they are answered: they meet only when they are
    in flight at the same moment, i.e. sent by as many concurrent clients (one
    client waits for its answer before its next request). ``met`` is True when
    they met, False when ``timeout`` passed first, None while it is open."""

    def __init__(self, method, path_part, parties, timeout):
        self.method, self.path_part = method.upper(), path_part
        self.parties, self.timeout = parties, timeout
        self.met = None
        self._joined = 0
        self._lock = threading.Lock()
        self._barrier = threading.Barrier(parties)

    def _join(self, request):
        with self._lock:
            if (
                self._joined >= self.parties
                or request.method != self.method
                or self.path_part not in request.path
            ):
                return
            self._joined += 1
        try:
            self._barrier.wait(self.timeout)
        except threading.BrokenBarrierError:
            self.met = False
        else:
            self.met = True


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def _serve(self):
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        server = self.server.fake
        server.requests.append(request)
        for rendezvous in list(server._rendezvous):
            rendezvous._join(request)
        reply = server._next_reply(request)
        if reply.delay:
            time.sleep(reply.delay)
        payload = reply.encode()
        self.send_response(reply.status)
        headers = dict(reply.headers)
        if reply.body is not None and not isinstance(reply.body, bytes | str):
            headers.setdefault("Content-Type", "application/json")
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


class FakeServer:
    """Base class: start with ``with Fake() as fake`` or ``start()``/``stop()``."""

    def __init__(self):
        self.requests = []
        self._queued = []
        self._rendezvous = []
        self._lock = threading.Lock()
        self._httpd = None
        self._thread = None

    # -- scripting -------------------------------------------------------
    def handle(self, request):
        """Answer a request; subclasses implement the provider's routes."""
        return Reply(404, {"error": "not found", "path": request.path})

    def queue(self, method, path, reply, times=1):
        """Answer the next ``times`` requests to ``method path`` with ``reply``."""
        with self._lock:
            self._queued.append([method.upper(), path, reply, times])

    def rendezvous(self, method, path_part, parties=2, timeout=60.0):
        """Hold the next ``parties`` requests to a path containing ``path_part``
        until all of them have arrived (see :class:`Rendezvous`): a barrier that
        proves concurrent clients, instead of timing them."""
        rendezvous = Rendezvous(method, path_part, parties, timeout)
        self._rendezvous.append(rendezvous)
        return rendezvous

    def _next_reply(self, request):
        with self._lock:
            for item in self._queued:
                method, path, reply, times = item
                if method == request.method and path == request.path:
                    item[3] -= 1
                    if item[3] <= 0:
                        self._queued.remove(item)
                    return reply
        return self.handle(request)

    def calls(self, method=None, path=None):
        return [
            r
            for r in self.requests
            if (method is None or r.method == method)
            and (path is None or r.path == path)
        ]

    # -- lifecycle -------------------------------------------------------
    @property
    def url(self):
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
