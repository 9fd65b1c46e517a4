import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { CLI_PATH } from '../helpers/cli.js';
import { startNatsOrSkip } from '../helpers/nats.js';
import { skipOrFail } from '../helpers/skip-or-fail.js';

// deploy/: the container image, the Kubernetes manifests and the systemd unit that run agents.
// Manifests are validated against the Kubernetes 1.27 API schemas (kubernetes-models' validate);
// the unit with systemd-analyze; the image's entrypoint is run as written against a real nats-server.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DEPLOY = join(ROOT, 'deploy');
const K8S = join(DEPLOY, 'kubernetes');

type Obj = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } };
interface Validating {
  validate(): void;
}

/** modelOf loads the kubernetes-models class of a manifest's apiVersion and kind (`apps/v1` Deployment, `v1` ConfigMap). */
async function modelOf(o: Obj): Promise<new (data: unknown) => Validating> {
  const mod = (await import(`kubernetes-models/${o.apiVersion}/${o.kind}`)) as Record<string, new (data: unknown) => Validating>;
  const model = mod[o.kind];
  assert.ok(model, `kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  return model;
}

async function schemaErrors(o: Obj): Promise<string | undefined> {
  const Model = await modelOf(o);
  try {
    new Model(o).validate();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function manifests(): Obj[] {
  const k = parseYaml(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  return k.resources.flatMap((file) => parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((d) => d.toJS() as Obj));
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

interface Container {
  image: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  securityContext: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  terminationGracePeriodSeconds: number;
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string; items?: { key: string; path: string }[] }; configMap?: { name: string; items?: { key: string; path: string }[] }; emptyDir?: unknown }[];
}

test('every Kubernetes manifest in the kustomization validates against the Kubernetes API schemas; a broken copy does not', async () => {
  const all = manifests();
  assert.deepEqual(all.map((o) => `${o.apiVersion} ${o.kind}`).sort(), ['apps/v1 Deployment', 'v1 ConfigMap', 'v1 Namespace']);
  for (const o of all) assert.equal(await schemaErrors(o), undefined, `${o.kind} ${o.metadata.name}`);
  // The check can fail: a quantity that is not one, a number written as a duration.
  const d = all.find((o) => o.kind === 'Deployment')!;
  const badCpu = clone(d) as Obj & { spec: { template: { spec: PodSpec } } };
  badCpu.spec.template.spec.containers[0]!.resources.limits!['cpu'] = 'two cores';
  assert.match((await schemaErrors(badCpu)) ?? '', /limits\/cpu/);
  const badGrace = clone(d) as Obj & { spec: { template: { spec: Record<string, unknown> } } };
  badGrace.spec.template.spec['terminationGracePeriodSeconds'] = '30s';
  assert.match((await schemaErrors(badGrace)) ?? '', /terminationGracePeriodSeconds/);
});

test('the agent Deployment runs non-root on a read-only root fs, with resources, NATS secrets as files and the trusted key from a ConfigMap', () => {
  const all = manifests();
  const d = all.find((o) => o.kind === 'Deployment') as Obj & { spec: { template: { spec: PodSpec } } };
  const pod = d.spec.template.spec;
  assert.equal(pod.securityContext['runAsNonRoot'], true);
  assert.ok(Number(pod.securityContext['runAsUser']) > 0);
  const [c] = pod.containers;
  assert.ok(c);
  assert.equal(c.securityContext['readOnlyRootFilesystem'], true);
  assert.equal(c.securityContext['allowPrivilegeEscalation'], false);
  assert.deepEqual(c.securityContext.capabilities?.drop, ['ALL']);
  for (const k of ['cpu', 'memory']) {
    assert.ok(c.resources.requests?.[k] !== undefined && c.resources.limits?.[k] !== undefined, `resources ${k}`);
  }
  // SIGTERM: in-flight requests get the run's grace (5 s by default) before the agent reports.
  assert.ok(pod.terminationGracePeriodSeconds > 5);
  // Every file an argument names is in a mounted volume that provides it.
  const files = c.args.filter((a) => a.startsWith('/'));
  assert.ok(files.length >= 3, c.args.join(' '));
  for (const f of files) {
    const mount: Container['volumeMounts'][number] | undefined = c.volumeMounts.find((m) => f.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `${f} is not under a mount`);
    const volume = pod.volumes.find((v) => v.name === mount.name)!;
    const items = volume.secret?.items ?? volume.configMap?.items ?? [];
    assert.ok(items.some((i) => `${mount.mountPath}/${i.path}` === f), `${f} is not an item of volume ${mount.name}`);
    assert.equal(mount.readOnly, true, `${mount.name} is mounted read-only`);
  }
  const flagOf = (flag: string) => c.args[c.args.indexOf(flag) + 1];
  const trust = flagOf('--trust');
  const trustVolume = pod.volumes.find((v) => v.name === c.volumeMounts.find((m) => trust?.startsWith(m.mountPath))?.name);
  const cm = all.find((o) => o.kind === 'ConfigMap') as Obj & { data: Record<string, string> };
  assert.equal(trustVolume?.configMap?.name, cm.metadata.name, 'the trusted key comes from the ConfigMap');
  assert.ok(Object.keys(cm.data).includes(trustVolume.configMap.items![0]!.key));
  const secretVolumes = pod.volumes.filter((v) => v.secret !== undefined);
  assert.ok(secretVolumes.length > 0 && [flagOf('--nats-nkey'), flagOf('--nats-tls-ca')].every((f) => f?.startsWith('/etc/gauntlet/nats/')));
  const url = c.env.find((e) => e.name === 'GAUNTLET_NATS_URL');
  assert.deepEqual(url?.valueFrom?.secretKeyRef, { name: secretVolumes[0]!.secret!.secretName, key: 'url' });
  // The writable places are emptyDirs: the config dir (the agent's own key) and /tmp (script bundles).
  const writable = c.volumeMounts.filter((m) => m.readOnly !== true).map((m) => [m.mountPath, pod.volumes.find((v) => v.name === m.name)?.emptyDir !== undefined]);
  assert.deepEqual(writable, [['/var/lib/gauntlet', true], ['/tmp', true]]);
  assert.equal(c.env.find((e) => e.name === 'GAUNTLET_CONFIG_DIR')?.value, '/var/lib/gauntlet');
  const k = parseYaml(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as { namespace: string; images: { name: string }[] };
  assert.equal(k.images[0]!.name, c.image.split(':')[0]);
  assert.equal(k.namespace, all.find((o) => o.kind === 'Namespace')!.metadata.name);
});

test('the NATS Helm values (nats/nats) enable JetStream on a volume, client TLS, and users allowed Gauntlet subjects only', () => {
  const v = parseYaml(readFileSync(join(K8S, 'nats-values.yaml'), 'utf8')) as {
    config: {
      jetstream: { enabled: boolean; fileStore: { enabled: boolean; pvc: { enabled: boolean; size: string } } };
      nats: { tls: { enabled: boolean; secretName: string } };
      merge: { authorization: { users: { nkey: string; permissions: { publish: string[]; subscribe: string[] } }[] } };
    };
  };
  assert.equal(v.config.jetstream.enabled, true);
  assert.equal(v.config.jetstream.fileStore.enabled, true);
  assert.equal(v.config.jetstream.fileStore.pvc.enabled, true);
  assert.equal(v.config.nats.tls.enabled, true);
  for (const u of v.config.merge.authorization.users) {
    assert.ok(u.permissions.publish.includes('gauntlet.>') && u.permissions.subscribe.includes('gauntlet.>'));
    assert.ok(!u.permissions.publish.includes('>') && !u.permissions.subscribe.includes('>'), 'no user may use every subject');
  }
});

test('the Dockerfile: multi-stage, npm ci + build, a non-root runtime user, `gauntlet agent` as entrypoint, the config dir a volume', () => {
  const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const froms = lines.filter((l) => l.startsWith('FROM '));
  assert.ok(froms.length >= 2, 'multi-stage');
  assert.match(froms.at(-1)!, /^FROM node:20-slim$/);
  assert.ok(lines.some((l) => /RUN npm ci\b/.test(l)) && lines.some((l) => /RUN npm run build$/.test(l)));
  const user = lines.filter((l) => l.startsWith('USER ')).at(-1);
  assert.match(user ?? '', /^USER [1-9]\d*:[1-9]\d*$/);
  assert.match(lines.find((l) => l.startsWith('VOLUME ')) ?? '', /\/var\/lib\/gauntlet/);
  assert.match(text, /GAUNTLET_CONFIG_DIR=\/var\/lib\/gauntlet/);
  // What the build stages copy exists, and .dockerignore keeps it in the context.
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  for (const l of lines.filter((x) => /^COPY (?!--from)/.test(x))) {
    for (const src of l.split(/\s+/).slice(1, -1)) {
      assert.ok(existsSync(join(ROOT, src)), `COPY ${src}: not in the repository`);
      assert.ok(!ignored.includes(src), `COPY ${src}: excluded by .dockerignore`);
    }
  }
  assert.ok(ignored.includes('node_modules') && ignored.includes('.git'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { gauntlet: string } };
  assert.match(lines.find((l) => l.startsWith('ENTRYPOINT '))!, new RegExp(`/app/${pkg.bin.gauntlet.replace(/\./g, '\\.')} agent --nats`));
});

test("the image's entrypoint, run as written: agent on $GAUNTLET_NATS_URL with the arguments given; SIGTERM reaches node (exit 130)", { timeout: 60_000 }, async (t) => {
  const nats = await startNatsOrSkip(t);
  if (!nats) return;
  const text = readFileSync(join(DEPLOY, 'Dockerfile'), 'utf8');
  const entry = JSON.parse(text.split('\n').find((l) => l.startsWith('ENTRYPOINT '))!.slice('ENTRYPOINT '.length)) as string[];
  const argv = entry.map((a) => a.replace('/app/dist/cli/main.js', CLI_PATH).replace(/^exec node /, `exec ${process.execPath} `));
  const config = mkdtempSync(join(tmpdir(), 'gauntlet-entry-'));
  const child = spawn(argv[0]!, [...argv.slice(1), '--id', 'entry0', '-w', '1'], {
    env: { ...process.env, GAUNTLET_NATS_URL: nats.url, GAUNTLET_CONFIG_DIR: config },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  t.after(() => void child.kill('SIGKILL'));
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  for (let i = 0; i < 200 && !/waiting for runs/.test(log); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(log, new RegExp(`agent entry0 on ${nats.url.replace(/\./g, '\\.')} offers 1 workers`));
  assert.ok(existsSync(join(config, 'signing-key.pem')), 'the agent made its key in GAUNTLET_CONFIG_DIR');
  child.kill('SIGTERM');
  assert.equal(await exited, 130, log);
});

/** haveSystemdAnalyzeOrSkip: missing, it fails in CI and skips elsewhere (like haveNatsOrSkip). */
function haveSystemdAnalyzeOrSkip(t: TestContext): boolean {
  if (spawnSync('systemd-analyze', ['--version']).error === undefined) return true;
  const message = 'systemd-analyze is not installed; install with: apt-get install -y systemd';
  skipOrFail(t, message);
  return false;
}

/** verifyUnit runs systemd-analyze verify on a copy of the unit whose ExecStart binary exists here (it checks that it does). */
function verifyUnit(text: string): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-unit-'));
  const file = join(dir, 'gauntlet-agent.service');
  writeFileSync(file, text.replace('ExecStart=/usr/local/bin/gauntlet ', `ExecStart=${process.execPath} ${CLI_PATH} `));
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

test('the systemd unit passes systemd-analyze verify without a warning and is hardened (exposure below 2.0)', (t) => {
  if (!haveSystemdAnalyzeOrSkip(t)) return;
  const text = readFileSync(join(DEPLOY, 'systemd', 'gauntlet-agent.service'), 'utf8');
  const ok = verifyUnit(text);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, '');
  // verify only warns about a bad line (exit 0): a misspelt directive must show in stderr.
  const typo = verifyUnit(text.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes'));
  assert.match(typo.stderr, /Unknown key( name)? 'NoNewPrivilege'/);
  for (const line of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'Restart=on-failure', 'KillSignal=SIGTERM', 'StateDirectory=gauntlet', 'ConfigurationDirectory=gauntlet', 'User=gauntlet']) {
    assert.ok(text.split('\n').includes(line), line);
  }
  assert.match(text, /^EnvironmentFile=.+$/m);
  assert.match(text, /^ExecStart=.* agent --nats \$\{GAUNTLET_NATS_URL\} /m);
  const stop = Number(/^TimeoutStopSec=(\d+)s$/m.exec(text)?.[1]);
  assert.ok(stop > 5, 'TimeoutStopSec leaves room for the grace period (5 s by default)');
  const dir = mkdtempSync(join(tmpdir(), 'gauntlet-unit-'));
  const file = join(dir, 'gauntlet-agent.service');
  writeFileSync(file, text);
  const security = spawnSync('systemd-analyze', ['security', '--offline=true', file], { encoding: 'utf8' });
  const level = /Overall exposure level for gauntlet-agent\.service: (\d+\.\d)/.exec(security.stdout + security.stderr);
  assert.ok(level, security.stdout + security.stderr);
  assert.ok(Number(level[1]) < 2, `exposure ${level[1]}`);
});
