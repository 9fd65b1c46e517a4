import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DurabilityClient } from '../../src/api/durability-client.js';
import { policies } from '../../src/durability/policies.js';
import { getReadyTest } from '../../src/durability/ready-tests.js';
import { durabilityOf } from '../../src/scenarios/durability/durability-figures.js';
import { renderDurability } from '../../src/scenarios/durability/render-durability.js';
import { withServer } from '../helpers/durability-servers.js';

// Soaks (issue 14): a minute of load against a real gunicorn (sync workers). Its RSS reflects a leak
// cleanly: CPython frees garbage at once (reference counting), so `plain` leaves RSS flat and every
// `leak(bytes=1048576)` adds its MiB (a node:http server's RSS creeps by megabytes a minute while V8's
// old space fills, a slope that is real but not a leak). The two soaks run side by side, one server
// each: about 65 s for both. They send the ready-made tests `leak` (90 plain, 10 leaks of 1 MiB) and
// `plain`, open model (a steady rate), bounded by their duration.

const LEAK_BYTES = 1_048_576;
const SOAK = { duration: '60s', workers: 1 } as const;

describe('soak: the RSS slope from a fit over the watch samples', { concurrency: 2, timeout: 150_000 }, () => {
  it('a 60 s `leak` soak reports a slope within 20 % of the bytes leaked per request', async (t) => {
    await withServer(t, 'gunicorn-sync:workers=2', async (server) => {
      const client = new DurabilityClient({ policy: policies.random({ seed: 14 }) });
      for (const e of getReadyTest('leak').mix()) client.add(e.behaviour, e.weight);
      assert.ok(client.mix.some((e) => e.behaviour.label === `leak(bytes=${LEAK_BYTES})`));
      const result = await client.execute({ ...SOAK, rate: 20, target: server.url, server });
      const f = durabilityOf(result)!;
      assert.equal(f.unexpected, 0);
      const leaks = f.behaviours.find((b) => b.label.startsWith('leak'))!.requests;
      assert.ok(leaks >= 60, `${leaks} leak requests`);
      const expected = (1000 * leaks * LEAK_BYTES) / f.requests;
      const rss = f.soak!.rss!;
      const ratio = rss.bytesPer1000Requests! / expected;
      const text = renderDurability(f);
      assert.ok(ratio > 0.8 && ratio < 1.2, `slope ${rss.bytesPer1000Requests} bytes per 1,000 requests, leaked ${expected} (×${ratio.toFixed(3)})\n${text}`);
      assert.equal(rss.verdict, 'growing', text);
      assert.equal(f.soak!.short, false);
      assert.match(text, /RSS slope: \+[\d.]+ [MG]iB\/h ± [\d.]+ [KMG]iB\/h, \+[\d.]+ MiB per 1,000 requests ± [\d.]+ [KM]?i?B: growing beyond noise/);
      // The arbiter and two workers: at least three threads and the listening socket's fds, each count at every point.
      assert.ok(f.soak!.threads!.start >= 3 && f.soak!.fds!.start >= 3, JSON.stringify(f.soak));
      assert.ok(f.serverStats!.series.every((p) => (p.threads ?? 0) >= 3 && (p.fds ?? 0) >= 3));
    });
  });

  it('a 60 s `plain` soak reports no slope beyond noise, with a band tight enough to see 1 KiB per request', async (t) => {
    await withServer(t, 'gunicorn-sync:workers=2', async (server) => {
      const client = new DurabilityClient({ policy: policies.sequential() });
      for (const e of getReadyTest('plain').mix()) client.add(e.behaviour, e.weight);
      const result = await client.execute({ ...SOAK, rate: 50, target: server.url, server });
      const f = durabilityOf(result)!;
      assert.equal(f.unexpected, 0);
      const rss = f.soak!.rss!;
      const text = renderDurability(f);
      assert.equal(rss.verdict, 'flat', text);
      assert.ok(Math.abs(rss.bytesPerHour) <= rss.bandBytesPerHour!, text);
      assert.ok(rss.bandBytesPer1000Requests! < 1024 * 1000, `band ${rss.bandBytesPer1000Requests} bytes per 1,000 requests\n${text}`);
      // A sample every 200 ms, unless reading /proc takes longer on a busy machine: at least one a half-second.
      assert.ok(rss.samples >= 120, `${rss.samples} samples`);
      assert.match(text, /RSS slope: [+-][\d.]+ [KM]?i?B\/h ± [\d.]+ [KM]?i?B\/h, .*: no slope beyond noise/);
      assert.deepEqual(f.soak!.failurePercent, { first: 0, last: 0 });
    });
  });
});
