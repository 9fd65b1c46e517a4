import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { GauntletError } from '../../core/errors.js';
import { commandWorks } from './command-works.js';
import { launchServer } from './launch-server.js';
import { findFreePort, resolveServerSettings, type ResolvedSettings } from './process-adapter.js';
import type { ProxyAdapter } from './proxy-adapter.js';
import type { RunningServer, ServerOptionSpec, ServerStartOptions, ServerStopReport } from './server-adapter.js';

/** nginxBinary is $GAUNTLET_NGINX, else Debian's /usr/sbin/nginx, else `nginx` on PATH. */
function nginxBinary(): string {
  return process.env['GAUNTLET_NGINX'] ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');
}

const NEXT_UPSTREAM = /^\s*(off|((error|timeout|invalid_header|http_(500|502|503|504|403|404|429)|non_idempotent)\s*)+)\s*$/;
const seconds = (description: string): ServerOptionSpec => ({ type: 'number', min: 0.001, default: 60, description });

const NGINX_OPTIONS: Readonly<Record<string, ServerOptionSpec>> = {
  read_timeout: seconds('seconds nginx waits between two reads from the server before it gives up: 504, or a cut response (proxy_read_timeout)'),
  connect_timeout: seconds('seconds to connect to the server (proxy_connect_timeout; nginx caps it near 75)'),
  send_timeout: seconds('seconds between two writes of the request to the server (proxy_send_timeout)'),
  buffering: { type: 'boolean', default: true, description: 'read the whole response from the server, to memory or a temp file, while the client takes it (proxy_buffering)' },
  keepalive: { type: 'integer', min: 0, default: 16, description: 'idle connections to the server kept open, 0 = a new one per request (upstream keepalive)' },
  next_upstream: {
    type: 'string',
    default: 'error timeout',
    // It goes into the config verbatim: only proxy_next_upstream's own words, so nothing else can.
    pattern: { re: NEXT_UPSTREAM, what: "'off' or words of proxy_next_upstream separated by spaces (error timeout invalid_header http_500 … non_idempotent)" },
    description: "when nginx sends a request again on another connection (proxy_next_upstream); 'off' never, so one crash request kills one worker, not two",
  },
};

/** Temp folders of nginx processes still running, removed if Gauntlet exits without stopping them. */
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function removeDir(dir: string): void {
  liveDirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

const hostPort = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;
const ms = (s: number): string => `${Math.max(1, Math.round(s * 1000))}ms`;

/**
 * nginxConfig writes nginx's configuration for one proxy: a single worker in the foreground under a
 * master (`daemon off; master_process on`), every file it writes (pid, logs, temp paths) in `dir`, a
 * keep-alive upstream of one server. As root it names root as the workers' user: nginx's default
 * (`nobody`) could not write the private (0700) temp folders. As anyone else it has no `user` line
 * (nginx would warn that it is ignored).
 */
export function nginxConfig(dir: string, listen: string, upstream: string, s: ResolvedSettings): string {
  const next = String(s['next_upstream']).trim();
  const user = process.geteuid?.() === 0 ? [`user ${userInfo().username};`] : [];
  return [
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    ...user,
    `pid ${join(dir, 'nginx.pid')};`,
    `lock_file ${join(dir, 'nginx.lock')};`,
    // stderr reaches Gauntlet's log of the proxy; the file keeps the notices too.
    'error_log stderr error;',
    `error_log ${join(dir, 'error.log')} info;`,
    'events { worker_connections 4096; }',
    'http {',
    `  access_log ${join(dir, 'access.log')};`,
    `  client_body_temp_path ${join(dir, 'client_body')};`,
    `  proxy_temp_path ${join(dir, 'proxy')};`,
    `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `  scgi_temp_path ${join(dir, 'scgi')};`,
    '  client_max_body_size 0;',
    `  upstream gauntlet_upstream {`,
    `    server ${upstream};`,
    ...((s['keepalive'] as number) > 0 ? [`    keepalive ${String(s['keepalive'])};`] : []),
    '  }',
    '  server {',
    `    listen ${listen};`,
    '    location / {',
    '      proxy_pass http://gauntlet_upstream;',
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    `      proxy_read_timeout ${ms(s['read_timeout'] as number)};`,
    `      proxy_connect_timeout ${ms(s['connect_timeout'] as number)};`,
    `      proxy_send_timeout ${ms(s['send_timeout'] as number)};`,
    `      proxy_buffering ${s['buffering'] === true ? 'on' : 'off'};`,
    `      proxy_next_upstream ${next === '' ? 'off' : next};`,
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

const PORT_TAKEN = /Address already in use|Errno 98/i;

/**
 * nginxProxy runs a real nginx (Debian's nginx-light) in front of a running server: a generated
 * configuration in a private folder (mkdtemp, mode 0700, removed on stop), a free loopback port, the
 * process group started and stopped like any server's (launchServer: SIGTERM is nginx's fast
 * shutdown). `read_timeout` and friends are nginx's `proxy_*` directives.
 *
 * No `max_fails`/`fail_timeout`: with a single server in the upstream nginx ignores them (it never
 * marks its only server down), so they would be options that do nothing.
 */
export const nginxProxy: ProxyAdapter = {
  name: 'nginx',
  description: 'nginx reverse proxy (one worker, keep-alive upstream); -s \'nginx:read_timeout=2>node-http\'',
  options: NGINX_OPTIONS,
  available: () => commandWorks(nginxBinary(), ['-v'], 'apt-get install -y nginx-light'),
  traits: (settings) => ({ name: 'nginx', readTimeoutMs: (settings['read_timeout'] as number) * 1000 }),
  async start(upstream: RunningServer, options: ServerStartOptions = {}): Promise<RunningServer> {
    const settings = resolveServerSettings('nginx', NGINX_OPTIONS, options.settings);
    const host = options.host ?? '127.0.0.1';
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
      });
    }
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await findFreePort(host));
      const dir = mkdtempSync(join(tmpdir(), 'gauntlet-nginx-'));
      liveDirs.add(dir);
      const conf = join(dir, 'nginx.conf');
      writeFileSync(conf, nginxConfig(dir, hostPort(host, port), hostPort(upstream.host, upstream.port), settings), { mode: 0o600 });
      let nginx: RunningServer;
      try {
        nginx = await launchServer({
          name: 'nginx',
          command: nginxBinary(),
          args: ['-p', dir, '-c', conf, '-e', 'stderr'],
          cwd: dir,
          host,
          port,
          startTimeoutMs: options.startTimeoutMs ?? (settings['start_timeout'] as number) * 1000,
          graceMs: options.graceMs ?? (settings['grace'] as number) * 1000,
          sampleIntervalMs: options.sampleIntervalMs ?? 500,
          logLimitBytes: options.logLimitBytes ?? 1024 * 1024,
        });
      } catch (error) {
        removeDir(dir);
        const retry = options.port === undefined && attempt < 3 && error instanceof GauntletError && PORT_TAKEN.test(error.message);
        if (!retry) throw error;
        continue;
      }
      const stop = async (): Promise<ServerStopReport> => {
        try {
          return await nginx.stop();
        } finally {
          removeDir(dir);
        }
      };
      return { ...nginx, stop, [Symbol.asyncDispose]: async () => void (await stop()) };
    }
  },
};
