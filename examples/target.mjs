/* global Buffer, URL, setTimeout, process, console -- a plain Node script, runnable without a build */
// A small target for the examples: a REST API with a cookie session and a WebSocket echo.
//   node examples/target.mjs            # listens on http://127.0.0.1:8080 (PORT=… to change)
// Routes:
//   GET  /                      200 "ok"
//   GET  /api/items             200 JSON list          POST /api/items {name}  201 {id, name}
//   GET  /api/items/:id         200 JSON or 404        DELETE /api/items/:id   204 or 404
//   POST /login {user,password} 200 + Set-Cookie sid   (password must be "secret-<user>")
//   GET  /me                    200 {user} with the sid cookie, else 401
//   POST /logout                204, clears the cookie
//   GET  /delay/:ms             200 after ms milliseconds
//   WS   /ws                    echoes every message
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';

/** startExampleTarget starts the target on 127.0.0.1 (port 0 = any free port) and returns its URL and counts. */
export async function startExampleTarget(port = 0) {
  const items = new Map();
  const sessions = new Map();
  let nextId = 1;
  const stats = { requests: 0, logins: 0, logouts: 0, wsConnections: 0, wsMessages: 0 };

  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const readJson = (req) =>
    new Promise((resolve) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null'));
        } catch {
          resolve(undefined);
        }
      });
    });
  const sessionOf = (req) => {
    const m = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '');
    return m ? sessions.get(m[1]) : undefined;
  };

  const server = http.createServer(async (req, res) => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    const itemMatch = /^\/api\/items\/(\d+)$/.exec(p);
    const delay = /^\/delay\/(\d+)$/.exec(p);
    if (p === '/' && req.method === 'GET') return void res.end('ok');
    if (delay) return void setTimeout(() => res.end('ok'), Number(delay[1]));
    if (p === '/api/items' && req.method === 'GET') return json(res, 200, [...items.values()].slice(-20));
    if (p === '/api/items' && req.method === 'POST') {
      const body = await readJson(req);
      if (!body || typeof body.name !== 'string') return json(res, 400, { error: 'name is required' });
      const item = { id: nextId++, name: body.name };
      items.set(item.id, item);
      return json(res, 201, item);
    }
    if (itemMatch && req.method === 'GET') {
      const item = items.get(Number(itemMatch[1]));
      return item ? json(res, 200, item) : json(res, 404, { error: 'not found' });
    }
    if (itemMatch && req.method === 'DELETE') {
      const ok = items.delete(Number(itemMatch[1]));
      res.writeHead(ok ? 204 : 404);
      return void res.end();
    }
    if (p === '/login' && req.method === 'POST') {
      const body = await readJson(req);
      if (!body || body.password !== `secret-${body.user}`) return json(res, 401, { error: 'bad credentials' });
      const sid = randomUUID();
      sessions.set(sid, { user: body.user });
      stats.logins++;
      return json(res, 200, { user: body.user }, { 'set-cookie': `sid=${sid}; Path=/; HttpOnly` });
    }
    if (p === '/me' && req.method === 'GET') {
      const s = sessionOf(req);
      return s ? json(res, 200, { user: s.user }) : json(res, 401, { error: 'log in first' });
    }
    if (p === '/logout' && req.method === 'POST') {
      const m = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '');
      if (m) sessions.delete(m[1]);
      stats.logouts++;
      res.writeHead(204, { 'set-cookie': 'sid=; Path=/; Max-Age=0' });
      return void res.end();
    }
    json(res, 404, { error: `no route ${req.method} ${p}` });
  });

  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (socket) => {
    stats.wsConnections++;
    socket.on('message', (data, isBinary) => {
      stats.wsMessages++;
      socket.send(data, { binary: isBinary });
    });
  });

  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    stats,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t = await startExampleTarget(Number(process.env.PORT ?? 8080));
  console.log(`example target listening on ${t.url} (ws echo at ${t.url.replace('http', 'ws')}/ws)`);
}
