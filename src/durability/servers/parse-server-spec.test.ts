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
});
