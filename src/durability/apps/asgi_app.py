"""asgi_app: the Gauntlet behaviour app for ASGI servers (stdlib only, Python 3.11, asyncio).

GET /<behaviour>?<params> misbehaves as asked; docs/behaviours.md is the protocol. The request
parsing, the parameter table and the index text are the WSGI app's (wsgi_app.py, imported from this
folder), so the two Python apps cannot drift apart; the shared conformance suite
(test/integration/durability-conformance.test.ts) keeps them in step with the Node app.

The ASGI 3 callable is `application` (`asgi_app:application` for uvicorn, hypercorn, daphne and
gunicorn's UvicornWorker). What is ASGI-specific, on purpose:

- `sleep`, `trickle` and `hang` await (the event loop stays free for other requests), as Node's do;
- `wedge` spins in pure Python on the event loop thread and never awaits: it blocks the whole loop,
  so every request of that worker stalls, and a supervisor that needs the loop's heartbeat
  (gunicorn's UvicornWorker) sees a silent worker;
- `huge` and `trickle` stream with `http.response.body` and `more_body`, awaiting each send (the
  server's flow control);
- `crash` and `segfault` end the worker process (`os._exit`, a real SIGSEGV), not the task.
"""

import asyncio
import ctypes
import ctypes.util
import os
import signal
import socket
import sys
import time

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)

from wsgi_app import CHUNK, INDEX_BODY, PLAIN_BODY, SLEEP_HEAD, SLEEP_TAIL, _busy_loop, parse_request  # noqa: E402

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

# The memory `leak` keeps, referenced from module scope so it lives as long as the process. The
# event loop runs one coroutine step at a time, so no lock is needed.
_leaked = []
_leaked_bytes = 0


def _headers(length=None):
    headers = [(b"content-type", b"text/plain")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return headers


async def _text(send, code, body):
    """_text answers `code` with a whole text/plain body (none for 204 and 304) and a Content-Length."""
    if isinstance(body, str):
        body = body.encode()
    if code in (204, 304):
        await send({"type": "http.response.start", "status": code, "headers": _headers()})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": code, "headers": _headers(len(body))})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive):
    """_read_body reads the request body to its end and drops it; False if the client went away first."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        if not message.get("more_body", False):
            return True


async def _wait_for_disconnect(receive):
    """_wait_for_disconnect awaits the client's disconnect (every message until then is ignored)."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _read_part(path, length):
    with open(path, "rb") as f:
        return f.read(length)


async def _huge(send, total):
    await send({"type": "http.response.start", "status": 200, "headers": _headers(total)})
    chunk = b"X" * CHUNK
    left = total
    while left > 0:
        n = min(left, CHUNK)
        left -= n
        await send({"type": "http.response.body", "body": chunk if n == CHUNK else chunk[:n], "more_body": left > 0})
    if total == 0:
        await send({"type": "http.response.body", "body": b""})


async def _trickle(send, total, chunks, interval):
    await send({"type": "http.response.start", "status": 200, "headers": _headers(total)})
    sent = 0
    for index in range(1, chunks + 1):
        if index > 1:
            await asyncio.sleep(interval)
        up_to = (total * index + chunks // 2) // chunks
        await send({"type": "http.response.body", "body": b"X" * (up_to - sent), "more_body": index < chunks})
        sent = up_to


def _connection_fd(scope):
    """_connection_fd finds this request's connection among the process's open sockets, or None.

    ASGI hands the app no socket, and every server hides it somewhere else (an asyncio transport, a
    Twisted transport, a stream writer). What each gives is `scope["client"]`, the peer's address:
    the connected socket whose peer is that address (and whose local end is `scope["server"]`, when
    given) is this request's connection. The descriptors are read from /proc/self/fd (Linux).
    """
    client = scope.get("client")
    if not client:
        return None
    want_peer = (client[0], int(client[1]))
    server = scope.get("server")
    want_local = (server[0], int(server[1])) if server and server[1] is not None else None
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return None
    for name in names:
        fd = int(name)
        try:
            if not os.readlink("/proc/self/fd/%d" % fd).startswith("socket:"):
                continue
            probe = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        try:
            if probe.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            peer = probe.getpeername()[:2]
            local = probe.getsockname()[:2]
        except OSError:
            continue
        finally:
            probe.close()
        if (peer[0], peer[1]) == want_peer and (want_local is None or (local[0], local[1]) == want_local):
            return fd
    return None


async def _reset(scope, send):
    """_reset aborts the connection with an RST: connect(AF_UNSPEC) on its socket.

    On Linux, connecting a TCP socket to AF_UNSPEC disconnects it (tcp_disconnect, RFC 793's ABORT):
    the kernel sends RST and drops unsent data, and the descriptor stays open and registered with
    the server's event loop, which then sees a dead socket and closes its transport. (wsgi_app swaps
    the descriptor for a blank socket instead; under an event loop that leaves a stale epoll entry
    and a leaked descriptor.) The response sent afterwards fails like any write to a broken connection.
    """
    fd = _connection_fd(scope)
    if fd is None:
        sys.stderr.write("asgi_app: reset: the connection's socket was not found among this process's descriptors\n")
        raise RuntimeError("reset unsupported: the connection socket was not found")
    unspec = ctypes.create_string_buffer(16)  # struct sockaddr with sa_family = AF_UNSPEC (0)
    if _libc.connect(fd, unspec, len(unspec)) != 0:
        error = ctypes.get_errno()
        raise OSError(error, "reset: connect(AF_UNSPEC) failed: " + os.strerror(error))
    await send({"type": "http.response.start", "status": 200, "headers": _headers(0)})
    await send({"type": "http.response.body", "body": b""})


async def _lifespan(receive, send):
    """_lifespan accepts startup and shutdown at once: the app holds no resources worth a lifespan."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def application(scope, receive, send):
    """application is the ASGI 3 callable: it parses the behaviour and does it for real."""
    if scope["type"] == "lifespan":
        return await _lifespan(receive, send)
    if scope["type"] != "http":
        raise RuntimeError("asgi_app serves http only, not %s" % scope["type"])
    query = scope.get("query_string", b"").decode("latin-1")
    parsed = parse_request(scope.get("path", "/"), query)
    if not await _read_body(receive):
        return
    if parsed[0] == "index":
        return await _text(send, 200, INDEX_BODY)
    if parsed[0] == "not-found":
        return await _text(send, 404, "unknown behaviour '%s'\n" % parsed[1])
    if parsed[0] == "bad-request":
        return await _text(send, 400, parsed[1] + "\n")
    _, name, p = parsed

    if name == "plain":
        body = PLAIN_BODY if p["length"] is None else b"X" * p["length"]
        return await _text(send, p["status"], body)
    if name == "sleep":
        await send({"type": "http.response.start", "status": 200, "headers": _headers(len(SLEEP_HEAD) + len(SLEEP_TAIL))})
        await send({"type": "http.response.body", "body": SLEEP_HEAD, "more_body": True})
        await asyncio.sleep(p["seconds"])
        return await send({"type": "http.response.body", "body": SLEEP_TAIL})
    if name == "io":
        try:
            data = await asyncio.get_running_loop().run_in_executor(None, _read_part, p["file"], p["length"])
        except OSError as error:
            return await _text(send, 403, "cannot read %s: %s\n" % (p["file"], error))
        return await _text(send, 200, data)
    if name == "leak":
        global _leaked_bytes
        _leaked.append(b"X" * p["bytes"])
        _leaked_bytes += p["bytes"]
        return await _text(send, 200, "leaked %d bytes, %d in all\n" % (p["bytes"], _leaked_bytes))
    if name == "wedge":
        _busy_loop(p["seconds"])
        return await _text(send, 200, PLAIN_BODY)
    if name == "hang":
        # Never answers; the loop stays free. Returning once the client has gone lets the server
        # forget the request (as Node does when the socket closes) instead of holding it for good.
        return await _wait_for_disconnect(receive)
    if name == "crash":
        os._exit(p["code"])
    if name == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(10)  # the signal is delivered at once; this only guards against a handler returning
        return await _text(send, 500, "SIGSEGV did not kill the process\n")
    if name == "throw":
        raise RuntimeError("behaviour app: throw requested")
    if name == "huge":
        return await _huge(send, p["bytes"])
    if name == "trickle":
        return await _trickle(send, p["bytes"], p["chunks"], p["interval"])
    if name == "reset":
        return await _reset(scope, send)
    raise AssertionError("unhandled behaviour " + name)
