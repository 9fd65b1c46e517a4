import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * `npm ci` warns (EBADENGINE) for every locked package whose `engines.node` the running Node does
 * not satisfy. The README promises the package's own floor, so every package in the lock (the
 * runtime dependencies a user installs and the dev dependencies a contributor installs) must accept
 * that floor and the newest Node line the snippets are tested on.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// semver is in the lock (npm and eslint's tooling use it); the test reads ranges as npm does.
const semver = createRequire(join(ROOT, 'package.json'))('semver') as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};

interface Lock {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

test("every locked package accepts the Node floor in package.json's engines (npm ci prints no EBADENGINE)", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const floor = semver.minVersion(pkg.engines.node)!.version;
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const [major, minor] = floor.split('.');
  assert.ok(readme.includes(`Node ≥ ${major}.${minor}`), `the README states the floor ${major}.${minor}`);
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
  for (const node of [floor, '24.0.0']) {
    const refused = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .map(([path, p]) => ({ path, version: p.version, range: Array.isArray(p.engines) ? undefined : p.engines?.node }))
      .filter((p) => p.range !== undefined && !semver.satisfies(node, p.range))
      .map((p) => `${p.path}@${p.version} wants node ${p.range}`);
    assert.deepEqual(refused, [], `on Node ${node}`);
  }
});
