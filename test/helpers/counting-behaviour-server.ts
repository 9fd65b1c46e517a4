/**
 * counting-behaviour-server serves the Node behaviour app on node:http and appends each request's
 * path to a log file, so a test can compare what the server received with what the client counted:
 *   node counting-behaviour-server.js HOST PORT LOGFILE
 * Tests run it through the `command` server adapter; it exits 0 on SIGTERM.
 */
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import { nodeBehaviourApp } from '../../src/durability/apps/node-app.js';

const [host, port, log] = process.argv.slice(2);
if (host === undefined || port === undefined || log === undefined) {
  process.stderr.write('usage: counting-behaviour-server HOST PORT LOGFILE\n');
  process.exit(2);
}
const server = http.createServer((req, res) => {
  appendFileSync(log, `${req.url ?? '/'}\n`);
  nodeBehaviourApp(req, res);
});
server.listen(Number(port), host);
process.on('SIGTERM', () => process.exit(0));
