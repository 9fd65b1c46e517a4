import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import protobuf from 'protobufjs';
import { runCli } from '../helpers/cli.js';
import { startCountingTarget, type CountingTarget } from '../helpers/counting-target.js';
import { freePort, startAgents, startNatsOrSkip } from '../helpers/nats.js';
import { startPrometheusOrSkip } from '../helpers/prometheus.js';

// --out: metrics leave the run as it goes (k6 NDJSON points, Prometheus remote write, OTLP), and the
// figures that arrive equal the run's own, checked against real receivers: a Prometheus started
// here and queried over its HTTP API, and an HTTP server decoding OTLP with the official .proto files.

let target: CountingTarget;
const dir = mkdtempSync(join(tmpdir(), 'gauntlet-out-'));
before(async () => {
  target = await startCountingTarget();
});
after(() => target.close());

interface RunJson {
  metrics: { counters: Record<string, number> };
  summary: Record<string, { count: number; p50: number; p99: number }>;
}
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as RunJson;

test('--out prometheus: a real Prometheus holds the run\'s counts, its trends as native histograms, under gauntlet_ and k6_ names', async (t) => {
  const prom = await startPrometheusOrSkip(t);
  if (prom === undefined) return;
  const json = join(dir, 'prom.json');
  const before = target.requests;
  const r = await runCli(['bench', target.url, '-c', '2', '-d', '3s', '-w', '1', '-q', '--interval', '500ms', '--json', json, '--out', `prometheus=${prom.writeUrl}?every=1s`, '--out', `prometheus=${prom.writeUrl}?names=k6`]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /warning/);
  const result = readJson(json);
  const total = result.metrics.counters['http_reqs']!;
  assert.equal(total, target.requests - before, 'the run counted what the target answered');
  // The series without a status label is the total; {status="200"} is the breakdown.
  const reqs = await prom.query('gauntlet_http_reqs_total{status=""}');
  assert.deepEqual(reqs.map((s) => s.value), [total]);
  assert.deepEqual((await prom.query('gauntlet_http_reqs_total{status="200"}')).map((s) => s.value), [total]);
  assert.deepEqual((await prom.query('k6_http_reqs_total{status=""}')).map((s) => s.value), [total]);
  const count = await prom.query('histogram_count(gauntlet_http_req_duration_seconds)');
  assert.deepEqual(count.map((s) => s.value), [result.summary['http_req_duration']!.count]);
  assert.deepEqual((await prom.query('histogram_count(k6_http_req_duration_seconds)')).map((s) => s.value), [result.summary['http_req_duration']!.count]);
  // The median from the native histogram (schema 8: buckets 0.27% wide) matches HDR's to a bucket or two.
  const p50 = (await prom.query('histogram_quantile(0.5, gauntlet_http_req_duration_seconds)'))[0]!.value * 1000;
  const hdrP50 = result.summary['http_req_duration']!.p50;
  assert.ok(Math.abs(p50 - hdrP50) <= hdrP50 * 0.01 + 0.002, `Prometheus p50 ${p50} ms, HDR p50 ${hdrP50} ms`);
  assert.deepEqual((await prom.query('gauntlet_iterations_total')).map((s) => s.value), [result.metrics.counters['iterations']]);
});

test('--out prometheus: a receiver without native histograms gets summaries (quantiles, _count), counts still equal', async (t) => {
  const prom = await startPrometheusOrSkip(t, { nativeHistograms: false });
  if (prom === undefined) return;
  const json = join(dir, 'prom-summary.json');
  const r = await runCli(['bench', target.url, '-c', '2', '-d', '2s', '-w', '1', '-q', '--json', json, '--out', `prometheus=${prom.writeUrl}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /does not take native histograms; trends go as summaries/);
  const result = readJson(json);
  assert.deepEqual((await prom.query('gauntlet_http_reqs_total{status=""}')).map((s) => s.value), [result.metrics.counters['http_reqs']]);
  assert.deepEqual((await prom.query('gauntlet_http_req_duration_seconds_count')).map((s) => s.value), [result.summary['http_req_duration']!.count]);
  const q = await prom.query('gauntlet_http_req_duration_seconds{quantile="0.99"}');
  assert.equal(q.length, 1);
  assert.ok(Math.abs(q[0]!.value * 1000 - result.summary['http_req_duration']!.p99) <= result.summary['http_req_duration']!.p99 * 0.01 + 0.002);
});

test('--out prometheus to a port where nothing listens: a bounded number of warnings, the summary, exit 0', async () => {
  const port = await freePort();
  const json = join(dir, 'unreachable.json');
  const r = await runCli(['bench', target.url, '-c', '2', '-d', '3s', '-w', '1', '-q', '--interval', '200ms', '--json', json, '--out', `prometheus=http://127.0.0.1:${port}/api/v1/write?every=200ms`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Test of \d+ requests complete/m, 'the summary is printed');
  const pushFailures = r.stderr.match(/push failed: ECONNREFUSED/g) ?? [];
  assert.equal(pushFailures.length, 3, r.stderr);
  const m = /(\d+) of (\d+) pushes failed/.exec(r.stderr);
  assert.ok(m !== null && Number(m[1]) === Number(m[2]) && Number(m[1]) > 3, r.stderr);
  assert.ok(readJson(json).metrics.counters['http_reqs']! > 0);
});

const OTLP_PROTO_ROOT = fileURLToPath(new URL('../../../test/fixtures/opentelemetry-proto/', import.meta.url));

test('--out otlp: what the official exporter sends decodes with the official .proto files and equals the run', async (t) => {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(OTLP_PROTO_ROOT, target);
  root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  const Request = root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
  const requests: Record<string, unknown>[] = [];
  let contentType = '';
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      contentType = req.headers['content-type'] ?? '';
      requests.push(Request.toObject(Request.decode(Buffer.concat(chunks)), { longs: Number, defaults: true }));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t.after(() => receiver.close());
  const port = (receiver.address() as AddressInfo).port;
  const json = join(dir, 'otlp.json');
  const r = await runCli(['bench', target.url, '-c', '2', '-d', '3s', '-w', '1', '-q', '--interval', '500ms', '--json', json, '--out', `otlp=http://127.0.0.1:${port}/v1/metrics?every=1s`]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /warning/);
  assert.equal(contentType, 'application/x-protobuf');
  assert.ok(requests.length >= 2, `${requests.length} exports: periodic ones and the final one`);
  const result = readJson(json);
  type Metric = { name: string; unit: string; sum?: { dataPoints: { asInt: number; attributes: { key: string }[] }[]; isMonotonic: boolean }; exponentialHistogram?: { dataPoints: { count: number; scale: number; attributes: unknown[]; positive: { bucketCounts: number[] }; zeroCount: number }[] } };
  const last = requests[requests.length - 1] as { resourceMetrics: { scopeMetrics: { metrics: Metric[] }[] }[] };
  const metrics = last.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  const reqs = metrics.find((m) => m.name === 'gauntlet_http_reqs')!;
  assert.equal(reqs.sum!.isMonotonic, true);
  const untagged = reqs.sum!.dataPoints.find((p) => p.attributes.length === 0)!;
  assert.equal(untagged.asInt, result.metrics.counters['http_reqs']);
  const duration = metrics.find((m) => m.name === 'gauntlet_http_req_duration')!;
  assert.equal(duration.unit, 'ms');
  const point = duration.exponentialHistogram!.dataPoints.find((p) => p.attributes.length === 0)!;
  assert.equal(point.count, result.summary['http_req_duration']!.count);
  assert.equal(point.scale, 8);
  assert.equal(point.positive.bucketCounts.reduce((a, b) => a + b, 0) + point.zeroCount, point.count, 'the buckets hold every value');
});

test('--out otlp to a port where nothing listens: at most three warnings and a count, the summary, exit 0', async () => {
  const port = await freePort();
  const r = await runCli(['bench', target.url, '-c', '2', '-d', '3s', '-w', '1', '-q', '--out', `otlp=http://127.0.0.1:${port}/v1/metrics?every=1s`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Test of \d+ requests complete/m);
  const failures = r.stderr.match(/push failed: .*ECONNREFUSED/g) ?? [];
  assert.ok(failures.length >= 1 && failures.length <= 3, r.stderr);
  assert.match(r.stderr, /(\d+) of \1 pushes failed/);
});

test('--out json: k6 NDJSON Metric and Point lines whose sums and counts equal the run', async () => {
  const json = join(dir, 'points-run.json');
  const points = join(dir, 'points.ndjson');
  const r = await runCli(['bench', target.url, '-c', '2', '-d', '2s', '-w', '2', '-q', '--interval', '500ms', '--json', json, '--out', `json=${points}`]);
  assert.equal(r.code, 0, r.stderr);
  const result = readJson(json);
  const lines = readFileSync(points, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; metric: string; data: { name?: string; type?: string; value?: number; time?: string; tags?: Record<string, string> } });
  const metricLine = lines.find((l) => l.type === 'Metric' && l.metric === 'http_req_duration')!;
  assert.deepEqual(metricLine.data, { name: 'http_req_duration', type: 'trend', contains: 'time', thresholds: [], submetrics: null });
  const sum = (metric: string) => lines.filter((l) => l.type === 'Point' && l.metric === metric).reduce((a, l) => a + l.data.value!, 0);
  assert.equal(sum('http_reqs'), result.metrics.counters['http_reqs']);
  assert.equal(sum('http_reqs{status:200}'), result.metrics.counters['http_reqs']);
  assert.deepEqual(lines.find((l) => l.metric === 'http_reqs{status:200}' && l.type === 'Point')!.data.tags, { status: '200' });
  const durations = lines.filter((l) => l.type === 'Point' && l.metric === 'http_req_duration').map((l) => l.data.value!);
  assert.equal(durations.length, result.summary['http_req_duration']!.count, 'one point per request, as k6 writes');
  durations.sort((a, b) => a - b);
  const p50 = durations[Math.ceil(durations.length * 0.5) - 1]!;
  assert.ok(Math.abs(p50 - result.summary['http_req_duration']!.p50) <= result.summary['http_req_duration']!.p50 * 0.002 + 0.001, `points p50 ${p50}, HDR ${result.summary['http_req_duration']!.p50}`);
  assert.ok(lines.every((l) => l.type === 'Metric' || !Number.isNaN(Date.parse(l.data.time!))));
});

test('--out json with --agents: the coordinator writes the merged points once', async (t) => {
  const nats = await startNatsOrSkip(t);
  if (nats === undefined) return;
  await startAgents(t, nats, 2, 'out-agent');
  const json = join(dir, 'agents.json');
  const points = join(dir, 'agents.ndjson');
  const before = target.requests;
  const r = await runCli(['bench', target.url, '-c', '2', '-n', '200', '-q', '--agents', '2', '--nats', nats.url, '--json', json, '--out', `json=${points}`], 60_000);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(target.requests - before, 200);
  const lines = readFileSync(points, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; metric: string; data: { value: number } });
  const reqs = lines.filter((l) => l.type === 'Point' && l.metric === 'http_reqs').reduce((a, l) => a + l.data.value, 0);
  assert.equal(reqs, 200);
  assert.equal(lines.filter((l) => l.type === 'Point' && l.metric === 'http_req_duration').length, 200);
});

test('--out with credentials in the URL: they go as a Basic header and are never printed', async (t) => {
  const seen: string[] = [];
  const receiver = http.createServer((req, res) => {
    seen.push(`${req.url} ${req.headers['authorization'] ?? '(none)'}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(401);
      res.end('unauthorized');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t.after(() => receiver.close());
  const port = (receiver.address() as AddressInfo).port;
  const r = await runCli(['bench', target.url, '-c', '2', '-d', '2s', '-w', '1', '-q', '--out', `prometheus=http://gauntlet:s3cret-token@127.0.0.1:${port}/api/v1/write`, '--out', `otlp=http://gauntlet:s3cret-token@127.0.0.1:${port}/v1/metrics`]);
  assert.equal(r.code, 0, r.stderr);
  const basic = `Basic ${Buffer.from('gauntlet:s3cret-token').toString('base64')}`;
  assert.ok(seen.includes(`/api/v1/write ${basic}`), seen.join('\n'));
  assert.ok(seen.includes(`/v1/metrics ${basic}`), seen.join('\n'));
  assert.match(r.stderr, /--out prometheus=http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write: push failed: HTTP 401/);
  assert.doesNotMatch(r.stdout + r.stderr, /s3cret-token/);
});

test('--out with a bad spec is one error and one hint, exit 2, before any request', async () => {
  const before = target.requests;
  for (const spec of ['influx=http://x', 'prometheus=not a url', 'prometheus=http://127.0.0.1:9090/api/v1/write?names=k7', 'json=']) {
    const r = await runCli(['bench', target.url, '-n', '5', '--out', spec]);
    assert.equal(r.code, 2, spec);
    assert.match(r.stderr, /^error: --out/m, spec);
    assert.match(r.stderr, /^hint: /m, spec);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(target.requests, before);
});
