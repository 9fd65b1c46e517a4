import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { nginxProxy } from '../../src/durability/servers/nginx-proxy.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { skipOrFail } from '../helpers/skip-or-fail.js';

/** processesMentioning lists the live processes whose command line holds `text`. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(text)) found.push(`${name}: ${cmd}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('durability CLI behind nginx', { timeout: 120_000 }, () => {
  it("multitest -s node-http -s 'nginx>node-http' prints both rows, and leaves no nginx and no file behind", async (t) => {
    const a = await nginxProxy.available();
    if (!a.ok) return skipOrFail(t, `nginx is not available: ${a.why}; install with: ${a.install}`);
    // A private TMPDIR: nginx's config folder is made in it, so what is left of it can be checked.
    const tmp = mkdtempSync(join(tmpdir(), 'gauntlet-proxy-e2e-'));
    const json = join(tmp, 'matrix.json');
    const { wait } = spawnCli(['multitest', '-s', 'node-http', '-s', 'nginx>node-http', '--mix', 'crash(timeout=5):1,plain(timeout=5):3', '--policy', 'sequential', '-i', '8', '--json', json], 90_000, {
      ...process.env,
      TMPDIR: tmp,
    });
    const r = await wait;
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    assert.match(r.stdout, /^\| Server +\| custom +\|$/m);
    assert.match(r.stdout, /^\| node-http +\| /m);
    assert.match(r.stdout, /^\| nginx>node-http +\| /m);
    assert.match(r.stderr, /\[2\/2\] nginx>node-http undergoing test 'custom'/);
    const matrix = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(matrix.servers, ['node-http', 'nginx>node-http']);
    const crashes = (server: string): { requests: number; unexpected: number } =>
      matrix.cells.find((c: { server: string }) => c.server === server).figures.behaviours.find((b: { label: string }) => b.label.startsWith('crash'));
    // Two crashes each. Behind nginx both are a 502 (the crash, then a dead upstream): as expected.
    // Alone, the second is refused: node-http died with the first.
    assert.deepEqual(crashes('nginx>node-http'), { label: 'crash(timeout=5)', weight: 1, requests: 2, unexpected: 0 });
    assert.deepEqual(crashes('node-http'), { label: 'crash(timeout=5)', weight: 1, requests: 2, unexpected: 1 });
    assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith('gauntlet-nginx-')), [], "nginx's config folder is removed");
    assert.deepEqual(processesMentioning(tmp), [], 'no nginx of this run is left');
  });

  it('servers lists nginx as a proxy with its options; a proxy alone is a usage error', async () => {
    const r = await runCli(['servers']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Proxies, in front of any server \(-s 'PROXY\[:key=value,\.\.\.\]>SERVER\[:key=value,\.\.\.\]', quoted\):$/m);
    assert.match(r.stdout, /^ {2}nginx +(yes|no) +any +nginx reverse proxy/m);
    assert.match(r.stdout, /options: read_timeout=60, connect_timeout=60, send_timeout=60, buffering=true, keepalive=16, next_upstream=error timeout$/m);
    // What an unquoted `-s nginx>node-http` leaves after the shell's redirection.
    const alone = await runCli(['singletest', '-s', 'nginx', '-t', 'plain']);
    assert.equal(alone.code, 2);
    assert.deepEqual(alone.stderr.trimEnd().split('\n'), [
      'error: nginx is a proxy: name the server behind it',
      "hint: write -s 'nginx>node-http' (in quotes: an unquoted > is the shell's redirection)",
    ]);
    const bad = await runCli(['singletest', '-s', 'nginx:read_timeout=soon>node-http']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: option 'read_timeout' of server nginx must be a number ≥ 0\.001, got 'soon'$/m);
  });
});
