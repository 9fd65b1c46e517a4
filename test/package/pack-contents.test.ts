import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('the package ships the build, the Python behaviour apps and the README: no tests, fixtures or benchmarks', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const files = (JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  for (const needed of ['dist/index.js', 'dist/durability.js', 'dist/distributed.js', 'dist/cli/main.js', 'dist/report/dashboard-client/dashboard.js', 'src/durability/apps/wsgi_app.py', 'src/durability/apps/asgi_app.py', 'README.md', 'package.json']) {
    assert.ok(files.includes(needed), `ships ${needed}`);
  }
  assert.deepEqual(files.filter((f) => /\.test\.|^test\/|^build\/|^bench\/|fixtures/.test(f)), []);
  assert.deepEqual(files.filter((f) => f.startsWith('src/') && !f.endsWith('.py')), [], 'no TypeScript sources');
});
