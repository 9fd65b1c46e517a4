import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { servers } from './server-factories.js';
import { SERVER_ADAPTERS } from './server-registry.js';

describe('servers (the library factories)', () => {
  it('has one factory per adapter, named in camelCase, configuring that adapter', () => {
    const camel = (name: string): string => name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    assert.deepEqual(Object.keys(servers).sort(), SERVER_ADAPTERS.map((a) => camel(a.name)).sort());
    for (const adapter of SERVER_ADAPTERS) {
      const configured = servers[camel(adapter.name) as keyof typeof servers]({ workers: 2 });
      assert.equal(configured.adapter, adapter);
      assert.deepEqual(configured.settings, { workers: 2 });
    }
  });

  it('gunicornUvicorn is the gunicorn-uvicorn adapter, runtime asgi', () => {
    assert.equal(servers.gunicornUvicorn().adapter.name, 'gunicorn-uvicorn');
    assert.equal(servers.uvicorn().adapter.runtime, 'asgi');
  });
});
