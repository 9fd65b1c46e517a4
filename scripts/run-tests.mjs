#!/usr/bin/env node
// Runs every compiled test file (build/**/*.test.js, compiled by npm run build:tests) with node's test runner. Node 20 does not expand
// globs in `node --test` arguments and Node 22 reads directories differently, so we list the files.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...find(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
const files = ['build/src', 'build/test'].flatMap(find).filter((f) => filter.length === 0 || filter.some((x) => f.includes(x))).sort();
if (files.length === 0) {
  console.error('error: no compiled test files found under build/ (run npm run build:tests first)');
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=180000', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
