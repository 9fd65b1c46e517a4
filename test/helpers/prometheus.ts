import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './nats.js';
import { skipOrFail } from './skip-or-fail.js';


/** Prometheus is a real Prometheus server a test started on 127.0.0.1 (remote-write receiver on). */
export interface Prometheus {
  /** writeUrl is its remote-write endpoint. */
  readonly writeUrl: string;
  /** query runs an instant PromQL query and returns its vector: labels and value per series. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
}

/**
 * startPrometheusOrSkip starts Debian's `prometheus` on a free loopback port with a temporary
 * storage folder (both removed after the test), the remote-write receiver on and, unless
 * `nativeHistograms: false`, the native-histograms feature. Missing, it fails in CI and skips
 * elsewhere (apt-get install -y prometheus).
 */
export async function startPrometheusOrSkip(t: TestContext, options: { nativeHistograms?: boolean } = {}): Promise<Prometheus | undefined> {
  if (spawnSync('prometheus', ['--version']).error !== undefined) {
    const message = 'prometheus is not installed; install with: apt-get install -y prometheus';
    skipOrFail(t, message);
    return undefined;
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-prom-'));
  const args = ['--config.file=/dev/null', `--storage.tsdb.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver'];
  if (options.nativeHistograms !== false) args.push('--enable-feature=native-histograms');
  const proc = spawn('prometheus', args, { stdio: 'ignore' });
  t.after(() => {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${base}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus did not get ready on ${port} within 20 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    writeUrl: `${base}/api/v1/write`,
    async query(promql) {
      const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      assert.equal(body.status, 'success', `query ${promql}`);
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
