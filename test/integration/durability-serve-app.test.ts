import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serveApp } from '../../src/durability/serve-app.js';
import { requestBehaviour } from '../helpers/durability-request.js';

describe('serveApp', { timeout: 30_000 }, () => {
  for (const runtime of ['node', 'wsgi'] as const) {
    it(`serves the ${runtime} app standalone on a free port`, async () => {
      const app = await serveApp({ runtime, port: 0 });
      try {
        assert.match(app.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        const plain = await requestBehaviour(app.url, '/plain?length=7', 3000);
        assert.deepEqual(plain.kind === 'response' ? [plain.status, plain.bodyLength] : plain, [200, 7]);
        const thrown = await requestBehaviour(app.url, '/throw', 3000);
        assert.deepEqual(thrown.kind === 'response' ? thrown.status : thrown, 500);
        assert.deepEqual((await requestBehaviour(app.url, '/nope', 3000)).kind === 'response', true);
      } finally {
        await app.close();
      }
      await app.closed;
      assert.equal((await requestBehaviour(app.url, '/plain', 2000)).kind, 'refused');
    });
  }
});
