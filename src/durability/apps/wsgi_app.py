"""wsgi_app: the Gauntlet behaviour app for WSGI servers (stdlib only, Python 3.11).

GET /<behaviour>?<params> misbehaves as asked; docs/behaviours.md is the protocol, and
src/durability/protocol.ts is the same table for the Node app. The shared conformance suite
(test/integration/durability-conformance.test.ts) keeps the two apps in step.

The WSGI callable is `application` (gunicorn/waitress: `wsgi_app:application`, uWSGI: --wsgi-file).
"""

import os
import re
import signal
import socket
import struct
import sys
import threading
import time
from urllib.parse import parse_qsl, unquote

PLAIN_BODY = b"Pong!\n"
SLEEP_HEAD = b"Zzz\n"
SLEEP_TAIL = PLAIN_BODY
CHUNK = 64 * 1024
MIB = 1024 * 1024
IO_MAX_LENGTH = 256 * MIB

INTEGER = re.compile(r"^-?\d+$")
NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")

# name -> {param: (type, default, min, max)}; the same table as BEHAVIOUR_PROTOCOL in protocol.ts.
PROTOCOL = {
    "plain": {"length": ("integer", None, 0, IO_MAX_LENGTH), "status": ("integer", 200, 200, 599)},
    "sleep": {"seconds": ("number", 1, 0, None)},
    "io": {"length": ("integer", MIB, 0, IO_MAX_LENGTH), "file": ("string", "/dev/zero", None, None)},
    "leak": {"bytes": ("integer", 1024, 0, 1024 * MIB)},
    "wedge": {"seconds": ("number", None, 0, None)},
    "hang": {},
    "crash": {"code": ("integer", 1, 0, 255)},
    "segfault": {},
    "throw": {},
    "huge": {"bytes": ("integer", 10 * MIB, 0, None)},
    "trickle": {
        "bytes": ("integer", 1024, 0, None),
        "chunks": ("integer", 10, 1, 100000),
        "interval": ("number", 0.1, 0, None),
    },
    "reset": {},
}

# INDEX_BODY answers GET /: the same text as INDEX_BODY in protocol.ts (the conformance suite checks both).
INDEX_BODY = (
    "Gauntlet behaviour app: each path asks the server to behave one way, for durability tests (see docs/behaviours.md).\n"
    "Behaviours: %s.\n"
    "Try GET /plain (answers Pong!) or GET /sleep?seconds=0.5.\n" % ", ".join(PROTOCOL)
)

REASONS = {200: "OK", 204: "No Content", 304: "Not Modified", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}

# The memory `leak` keeps, referenced from module scope so it lives as long as the process.
_leaked = []
_leaked_bytes = 0
_leak_lock = threading.Lock()


def _read_param(spec, text):
    kind, _default, low, high = spec
    if kind == "string":
        return text
    if not (INTEGER if kind == "integer" else NUMBER).match(text.strip()):
        return None
    value = int(text) if kind == "integer" else float(text)
    if value != value or value in (float("inf"), float("-inf")):
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return value


def parse_request(path, query):
    """parse_request returns ('ok', name, params), ('index',), ('not-found', name) or ('bad-request', message)."""
    name = unquote(path).strip("/")
    if name == "":
        return ("index",)
    if name not in PROTOCOL:
        return ("not-found", name)
    specs = PROTOCOL[name]
    params = {key: spec[1] for key, spec in specs.items()}
    for key, text in parse_qsl(query, keep_blank_values=True):
        if key not in specs:
            return ("bad-request", "unknown parameter '%s' for %s" % (key, name))
        value = _read_param(specs[key], text)
        if value is None:
            return ("bad-request", "bad value '%s' for %s parameter '%s'" % (text, name, key))
        params[key] = value
    return ("ok", name, params)


def _status(code):
    return "%d %s" % (code, REASONS.get(code, "Status"))


def _text(start_response, code, body):
    if isinstance(body, str):
        body = body.encode()
    if code in (204, 304):
        start_response(_status(code), [("Content-Type", "text/plain")])
        return [b""]
    start_response(_status(code), [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _headers(length):
    return [("Content-Type", "text/plain"), ("Content-Length", str(length))]


def _busy_loop(seconds):
    """_busy_loop spins the CPU in pure Python (never sleeps); forever when seconds is None."""
    if seconds is None:
        while True:
            pass
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def _sleep_body(seconds):
    yield SLEEP_HEAD
    time.sleep(seconds)
    yield SLEEP_TAIL


def _huge_body(total):
    chunk = b"X" * CHUNK
    left = total
    while left > 0:
        n = min(left, CHUNK)
        left -= n
        yield chunk if n == CHUNK else chunk[:n]


def _trickle_body(total, chunks, interval):
    sent = 0
    for index in range(1, chunks + 1):
        if index > 1:
            time.sleep(interval)
        up_to = (total * index + chunks // 2) // chunks
        if up_to > sent:
            yield b"X" * (up_to - sent)
        sent = up_to


def _connection_fd(environ):
    """_connection_fd finds the client connection's file descriptor, or None when the server hides it.

    gunicorn gives `gunicorn.socket`; uWSGI gives `uwsgi.connection_fd()`; wsgiref's and paste's
    wsgi.input wrap the socket. Otherwise the caller's frames are searched (a few attributes deep)
    for a socket connected to REMOTE_ADDR (and REMOTE_PORT when given): waitress, cheroot, gevent,
    eventlet, tornado and twisted keep it there.
    """
    sock = environ.get("gunicorn.socket")
    if isinstance(sock, socket.socket):
        return sock.fileno()
    if "uwsgi" in sys.modules and hasattr(sys.modules["uwsgi"], "connection_fd"):
        return sys.modules["uwsgi"].connection_fd()
    found = _find_socket(environ.get("wsgi.input"), None, 3)
    if found is not None:
        return found.fileno()
    port = environ.get("REMOTE_PORT")
    peer = (environ.get("REMOTE_ADDR"), int(port) if port else None)
    frame = sys._getframe(1)
    while frame is not None:
        for value in list(frame.f_locals.values()):
            found = _find_socket(value, peer, 4)
            if found is not None:
                return found.fileno()
        frame = frame.f_back
    return None


_SOCKET_HOLDERS = ("socket", "_sock", "connection", "conn", "channel", "transport", "request", "stream", "file", "rfile", "raw", "fp", "fd")


def _find_socket(value, peer, depth):
    """_find_socket looks through a few well-known attributes for a connected socket (to `peer` if given)."""
    if isinstance(value, socket.socket):
        if peer is None:
            return value
        try:
            remote = value.getpeername()
        except OSError:
            return None
        return value if remote[0] == peer[0] and peer[1] in (None, remote[1]) else None
    if depth == 0 or value is None or isinstance(value, (str, bytes, int, float, dict, list, tuple)):
        return None
    for name in _SOCKET_HOLDERS:
        try:
            inner = getattr(value, name, None)
        except Exception:
            continue
        if inner is not None and inner is not value:
            found = _find_socket(inner, peer, depth - 1)
            if found is not None:
                return found
    return None


def _reset(environ, start_response):
    """_reset sends an RST: SO_LINGER 0, then the fd is swapped for a fresh unconnected socket.

    dup2 closes the connection's last descriptor, so the kernel sends RST (linger 0) and drops any
    unsent data, while the server keeps a valid fd number: its own later writes fail like those to
    any broken connection, and its close closes the blank socket.
    """
    fd = _connection_fd(environ)
    if fd is None or fd < 0:
        sys.stderr.write("wsgi_app: reset: this server does not expose the connection socket\n")
        raise RuntimeError("reset unsupported: the server hides the connection socket")
    handle = socket.socket(fileno=os.dup(fd))
    try:
        handle.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        handle.close()
    blank = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        os.dup2(blank.fileno(), fd)
    finally:
        blank.close()
    start_response(_status(200), _headers(0))
    return [b""]


def application(environ, start_response):
    """application is the WSGI callable: it parses the behaviour and does it for real."""
    parsed = parse_request(environ.get("PATH_INFO", "/"), environ.get("QUERY_STRING", ""))
    if parsed[0] == "index":
        return _text(start_response, 200, INDEX_BODY)
    if parsed[0] == "not-found":
        return _text(start_response, 404, "unknown behaviour '%s'\n" % parsed[1])
    if parsed[0] == "bad-request":
        return _text(start_response, 400, parsed[1] + "\n")
    _, name, p = parsed

    if name == "plain":
        body = PLAIN_BODY if p["length"] is None else b"X" * p["length"]
        return _text(start_response, p["status"], body)
    if name == "sleep":
        start_response(_status(200), _headers(len(SLEEP_HEAD) + len(SLEEP_TAIL)))
        return _sleep_body(p["seconds"])
    if name == "io":
        try:
            with open(p["file"], "rb") as f:
                data = f.read(p["length"])
        except OSError as error:
            return _text(start_response, 403, "cannot read %s: %s\n" % (p["file"], error))
        start_response(_status(200), _headers(len(data)))
        return [data]
    if name == "leak":
        global _leaked_bytes
        with _leak_lock:
            _leaked.append(b"X" * p["bytes"])
            _leaked_bytes += p["bytes"]
            total = _leaked_bytes
        return _text(start_response, 200, "leaked %d bytes, %d in all\n" % (p["bytes"], total))
    if name == "wedge":
        _busy_loop(p["seconds"])
        return _text(start_response, 200, PLAIN_BODY)
    if name == "hang":
        while True:
            time.sleep(3600)
    if name == "crash":
        os._exit(p["code"])
    if name == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(10)  # the signal is delivered at once; this only guards against a handler returning
        return _text(start_response, 500, "SIGSEGV did not kill the process\n")
    if name == "throw":
        raise RuntimeError("behaviour app: throw requested")
    if name == "huge":
        start_response(_status(200), _headers(p["bytes"]))
        return _huge_body(p["bytes"])
    if name == "trickle":
        start_response(_status(200), _headers(p["bytes"]))
        return _trickle_body(p["bytes"], p["chunks"], p["interval"])
    if name == "reset":
        return _reset(environ, start_response)
    raise AssertionError("unhandled behaviour " + name)
