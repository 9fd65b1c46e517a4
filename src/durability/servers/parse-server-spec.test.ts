import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GauntletError } from '../../core/errors.js';
import { parseServerSpec } from './parse-server-spec.js';
import { SERVER_ADAPTERS } from './server-registry.js';

function usage(text: string, message: RegExp, hint?: RegExp): void {
  assert.throws(
    () => parseServerSpec(text),
    (error: unknown) => {
      assert.ok(error instanceof GauntletError);
      assert.equal(error.code, 'GAUNTLET_USAGE');
      assert.equal(error.exitCode, 2);
      assert.match(error.message, message);
      if (hint) assert.match(error.hint ?? '', hint);
      return true;
    },
  );
}

describe('parseServerSpec', () => {
  it('reads a bare name with the defaults', () => {
    const spec = parseServerSpec('gunicorn-sync');
    assert.equal(spec.adapter.name, 'gunicorn-sync');
    assert.deepEqual(spec.settings, {});
    assert.equal(spec.resolved['workers'], 2);
    assert.equal(spec.resolved['timeout'], 30);
    assert.equal(spec.resolved['start_timeout'], 15);
    assert.equal(spec.resolved['grace'], 3);
  });

  it('reads options and checks their types', () => {
    const spec = parseServerSpec('gunicorn-sync:workers=4,timeout=5');
    assert.deepEqual(spec.settings, { workers: '4', timeout: '5' });
    assert.equal(spec.resolved['workers'], 4);
    assert.equal(spec.resolved['timeout'], 5);
    assert.equal(parseServerSpec('uwsgi:processes=2,harakiri=5').resolved['harakiri'], 5);
    assert.equal(parseServerSpec('waitress: threads = 8 ').resolved['threads'], 8);
    assert.equal(parseServerSpec('gunicorn-sync:max-requests=100').resolved['max_requests'], 100);
    assert.equal(parseServerSpec('node-cluster:workers=3,grace=0.5').resolved['grace'], 0.5);
  });

  it('takes everything after command: as the command line, commas included', () => {
    const spec = parseServerSpec('command:gunicorn -b {host}:{port} --workers=2,3 {app}');
    assert.equal(spec.settings['cmd'], 'gunicorn -b {host}:{port} --workers=2,3 {app}');
    usage('command', /needs a command line/);
  });

  it('rejects unknown servers, unknown options and bad values with hints', () => {
    usage('gunicorn', /unknown server 'gunicorn'/, /gunicorn-sync/);
    usage('gunicorn-sync:wrokers=4', /unknown option 'wrokers' for server gunicorn-sync/, /workers/);
    usage('gunicorn-sync:workers=many', /option 'workers' of server gunicorn-sync must be a whole number ≥ 1, got 'many'/);
    usage('gunicorn-sync:workers=0', /must be a whole number ≥ 1/);
    usage('gunicorn-sync:workers=1.5', /whole number/);
    usage('gunicorn-sync:workers', /'workers' .* is not key=value/);
    usage('', /no server name/);
    usage('wsgiref:threads=2', /unknown option 'threads' for server wsgiref/);
  });

  it('knows every adapter by its unique name', () => {
    const names = SERVER_ADAPTERS.map((a) => a.name);
    assert.equal(new Set(names).size, names.length);
    for (const name of names) if (name !== 'command') assert.equal(parseServerSpec(name).adapter.name, name);
    for (const expected of ['node-http', 'node-cluster', 'express', 'fastify', 'wsgiref', 'gunicorn-sync', 'gunicorn-gthread', 'waitress', 'uwsgi', 'command']) {
      assert.ok(names.includes(expected), expected);
    }
  });

  it('reads a server behind a proxy: PROXY[:opts]>SERVER[:opts]', () => {
    const spec = parseServerSpec('nginx>gunicorn-sync:workers=2');
    assert.equal(spec.text, 'nginx>gunicorn-sync:workers=2');
    assert.equal(spec.adapter.name, 'nginx>gunicorn-sync');
    assert.deepEqual(spec.settings, { workers: '2' });
    assert.equal(spec.resolved['workers'], 2);
    assert.equal(spec.proxy?.adapter.name, 'nginx');
    assert.equal(spec.proxy?.resolved['read_timeout'], 60);
    assert.deepEqual(spec.proxy?.traits, { name: 'nginx', readTimeoutMs: 60_000 });
    const tuned = parseServerSpec(' nginx:read_timeout=2,buffering=off > node-http ');
    assert.equal(tuned.text, 'nginx:read_timeout=2,buffering=off>node-http');
    assert.deepEqual(tuned.proxy?.settings, { read_timeout: '2', buffering: 'off' });
    assert.equal(tuned.proxy?.resolved['buffering'], false);
    assert.equal(tuned.proxy?.traits.readTimeoutMs, 2000);
    assert.equal(parseServerSpec('node-http').proxy, undefined);
  });

  it("keeps a command line's > as the command's", () => {
    const spec = parseServerSpec('command:exec waitress-serve --listen={host}:{port} {app} >/dev/null');
    assert.equal(spec.proxy, undefined);
    assert.equal(spec.settings['cmd'], 'exec waitress-serve --listen={host}:{port} {app} >/dev/null');
    const behind = parseServerSpec('nginx>command:exec waitress-serve {app} 2>&1');
    assert.equal(behind.proxy?.adapter.name, 'nginx');
    assert.equal(behind.settings['cmd'], 'exec waitress-serve {app} 2>&1');
  });

  it('rejects a proxy alone, an unknown proxy, two proxies and bad proxy options with hints', () => {
    usage('nginx', /nginx is a proxy: name the server behind it/, /-s 'nginx>node-http' \(in quotes/);
    usage('nginx:read_timeout=2', /nginx is a proxy/, /nginx:read_timeout=2>node-http/);
    usage('nginx>', /no server behind nginx/);
    usage('haproxy>node-http', /unknown proxy 'haproxy'/, /nginx/);
    usage('nginx>nginx>node-http', /one proxy in front of another/);
    usage('nginx:read_timout=2>node-http', /unknown option 'read_timout' for server nginx/, /read_timeout/);
    usage('nginx:read_timeout=0>node-http', /option 'read_timeout' of server nginx must be a number ≥ 0.001/);
    usage('nginx:buffering=maybe>node-http', /must be true or false/);
    usage('nginx>gunicorn-sync:workers=0', /must be a whole number ≥ 1/);
    // next_upstream goes into nginx's config verbatim: nothing but its own words gets there.
    usage('nginx:next_upstream=off; } server { listen 0.0.0.0:8080; >node-http', /option 'next_upstream' of server nginx must be 'off' or words of proxy_next_upstream/);
    assert.equal(parseServerSpec('nginx:next_upstream=error timeout http_502>node-http').proxy?.resolved['next_upstream'], 'error timeout http_502');
    assert.equal(parseServerSpec('nginx:next_upstream=off>node-http').proxy?.resolved['next_upstream'], 'off');
  });
});
