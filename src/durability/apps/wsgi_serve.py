"""wsgi_serve: start one Python WSGI server on the Gauntlet behaviour app.

    python3 wsgi_serve.py SERVER HOST PORT [key=value ...]

SERVER is wsgiref (stdlib) or one of Labour's servers: gevent, tornado, twisted, cheroot, eventlet,
paste. Each launcher is a few lines, written the way Labour started them (listen backlog 500 where the
server lets us set it), with access logs off and error logs on stderr. Imports happen inside the
launcher, so a missing package fails with exit code 3 and a one-line message.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from wsgi_app import application  # noqa: E402

BACKLOG = 500


def serve_wsgiref(host, port, _options):
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    class Server(WSGIServer):
        request_queue_size = BACKLOG

    make_server(host, port, application, server_class=Server, handler_class=QuietHandler).serve_forever()


def serve_gevent(host, port, _options):
    from gevent import monkey

    monkey.patch_all()
    from gevent.pywsgi import WSGIServer

    WSGIServer((host, port), application, log=None, backlog=BACKLOG).serve_forever()


def serve_tornado(host, port, _options):
    import asyncio

    from tornado.httpserver import HTTPServer
    from tornado.wsgi import WSGIContainer

    async def main():
        HTTPServer(WSGIContainer(application)).listen(port, address=host, backlog=BACKLOG)
        await asyncio.Event().wait()

    asyncio.run(main())


def serve_twisted(host, port, options):
    from twisted.internet import reactor
    from twisted.web.server import Site
    from twisted.web.wsgi import WSGIResource

    pool = reactor.getThreadPool()
    pool.adjustPoolsize(maxthreads=int(options.get("threads", 10)))
    site = Site(WSGIResource(reactor, pool, application))
    reactor.listenTCP(port, site, backlog=BACKLOG, interface=host)
    reactor.run()


def serve_cheroot(host, port, options):
    from cheroot import wsgi

    server = wsgi.Server((host, port), application, numthreads=int(options.get("threads", 10)))
    server.request_queue_size = BACKLOG
    server.start()


def serve_eventlet(host, port, _options):
    import eventlet

    eventlet.monkey_patch()
    from eventlet import wsgi

    wsgi.server(eventlet.listen((host, port), backlog=BACKLOG), application, log_output=False, debug=False)


def serve_paste(host, port, options):
    from paste import httpserver

    httpserver.serve(
        application,
        host=host,
        port=str(port),
        threadpool_workers=int(options.get("threads", 10)),
        request_queue_size=BACKLOG,
        use_threadpool=True,
    )


SERVERS = {
    "wsgiref": serve_wsgiref,
    "gevent": serve_gevent,
    "tornado": serve_tornado,
    "twisted": serve_twisted,
    "cheroot": serve_cheroot,
    "eventlet": serve_eventlet,
    "paste": serve_paste,
}


def main(argv):
    if len(argv) < 3 or argv[0] not in SERVERS:
        sys.stderr.write("usage: wsgi_serve.py {%s} HOST PORT [key=value ...]\n" % ",".join(SERVERS))
        return 2
    name, host, port = argv[0], argv[1], int(argv[2])
    options = dict(arg.split("=", 1) for arg in argv[3:])
    sys.stdout.write("%s: pid %d serving http://%s:%d\n" % (name, os.getpid(), host, port))
    sys.stdout.flush()
    try:
        SERVERS[name](host, port, options)
    except ImportError as error:
        sys.stderr.write("wsgi_serve: %s is not installed for %s: %s\n" % (name, sys.executable, error))
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
