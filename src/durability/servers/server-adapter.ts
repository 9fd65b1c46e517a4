/**
 * The server adapter seam: how Gauntlet starts a real server wired to a behaviour app, watches its
 * process tree and stops it. Every adapter runs the shared contract suite
 * (test/integration/durability-adapters.test.ts).
 */

/** ServerAvailability says whether an adapter can run on this machine, and if not why and how to fix it. */
export interface ServerAvailability {
  readonly ok: boolean;
  /** why it cannot run (a missing command or module), when `ok` is false. */
  readonly why?: string;
  /** install is a command that makes it available (`apt-get install -y gunicorn`). */
  readonly install?: string;
}

/** ServerSettingValue is the value of one per-server option (`workers=4`). */
export type ServerSettingValue = string | number | boolean;

/** ServerOptionSpec describes one per-server option: its type, default and what it does. */
export interface ServerOptionSpec {
  readonly type: 'integer' | 'number' | 'string' | 'boolean';
  readonly default?: ServerSettingValue;
  readonly min?: number;
  /** pattern a string option must match (it may reach a config file verbatim), and how to say what it takes. */
  readonly pattern?: { readonly re: RegExp; readonly what: string };
  readonly description: string;
}

/** ServerStartOptions tune one start. Per-server options go in `settings` (see `options` on the adapter). */
export interface ServerStartOptions {
  /** host to bind; default 127.0.0.1. */
  host?: string;
  /** port to bind; default a free loopback port. */
  port?: number;
  /** settings are the adapter's own options (`{ workers: 4, timeout: 5 }`), checked against `options`. */
  settings?: Readonly<Record<string, ServerSettingValue>>;
  /** startTimeoutMs bounds the wait for the first good answer to GET /plain; default 15 000. */
  startTimeoutMs?: number;
  /** graceMs is the wait between SIGTERM and SIGKILL on stop; default 3000. */
  graceMs?: number;
  /** sampleIntervalMs is how often the process tree is watched for restarts and peak RSS; 0 = only on sample(). Default 500. */
  sampleIntervalMs?: number;
  /** env adds variables to the server's environment. */
  env?: Readonly<Record<string, string>>;
  /** logLimitBytes caps the kept stdout+stderr (the tail is kept); default 1 MiB. */
  logLimitBytes?: number;
}

/** ProcessSample is one look at the server's process tree, read from /proc. */
export interface ProcessSample {
  /** atMs is when the sample was taken, performance.now() milliseconds (monotonic: durations come from it). */
  readonly atMs: number;
  /** processes alive in the tree (zombies excluded). */
  readonly processes: number;
  readonly pids: readonly number[];
  /** rssBytes sums the resident set of the live processes. */
  readonly rssBytes: number;
  /** peakRssBytes is the largest rssBytes seen since the server was ready. */
  readonly peakRssBytes: number;
  /** cpuSeconds sums user+system time of the live processes and of the children they reaped. */
  readonly cpuSeconds: number;
  /** fds sums the open file descriptors of the live processes (/proc/PID/fd), when read. */
  readonly fds?: number;
  /** threads sums the threads of the live processes (/proc/PID/stat num_threads, as status's `Threads:`), when read. */
  readonly threads?: number;
  /** restarts counts processes that appeared in the tree after it was ready (re-forked workers). */
  readonly restarts: number;
  /** leaderAlive is false once the process Gauntlet started has exited. */
  readonly leaderAlive: boolean;
  /** proxy is the same look at the proxy's own tree (nginx), for a server behind one; the figures above are the server's. */
  readonly proxy?: ProcessSample;
}

/** ServerStopReport says how a stop went. */
export interface ServerStopReport {
  readonly name: string;
  /** exitCode and signal of the process Gauntlet started (null when it died by a signal, or the other way). */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** alreadyExited is true when the started process had died before stop() (a crash took it down). */
  readonly alreadyExited: boolean;
  /** killed is true when the group outlived the grace period and got SIGKILL. */
  readonly killed: boolean;
  readonly durationMs: number;
  /** proxy says how the proxy in front (stopped first) went, for a server behind one. */
  readonly proxy?: ServerStopReport;
}

/** RunningServer is a started server: where it listens, its process tree, its logs and how to stop it. */
export interface RunningServer {
  readonly name: string;
  /** url is the base URL, `http://127.0.0.1:PORT` (no trailing slash). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** pid of the process Gauntlet started; also its process group id. */
  readonly pid: number;
  /** stop terminates the whole process group (SIGTERM, grace, SIGKILL) and checks nothing is left. Idempotent. */
  stop(): Promise<ServerStopReport>;
  sample(): Promise<ProcessSample>;
  /** logs returns the server's stdout and stderr so far (the tail, up to the log limit); behind a proxy, then the proxy's lines. */
  logs(): string;
  /**
   * proxy is the proxy in front (`-s 'nginx>node-http'`), when there is one: `url`, `host` and `port`
   * are then the proxy's, while `pid`, `sample()` and `stop()`'s report are the server's (with the
   * proxy's beside them). stop() stops the proxy first.
   */
  readonly proxy?: RunningServer;
  /**
   * logLines returns the server's last log lines (a bounded ring), each stamped with when it arrived
   * (performance.now() of this thread), to put beside the unexpected results of that moment.
   */
  logLines?(): readonly ServerLogLine[];
  [Symbol.asyncDispose](): Promise<void>;
}

/** ServerLogLine is one line of a server's stdout or stderr and when it arrived (performance.now() ms). */
export interface ServerLogLine {
  readonly atMs: number;
  readonly text: string;
}

/** ServerAdapter starts one kind of server on the behaviour app. */
export interface ServerAdapter {
  readonly name: string;
  readonly description: string;
  /** runtime of the app it serves: the Node app, the WSGI app, the ASGI app, or whatever a `command` runs. */
  readonly runtime: 'node' | 'wsgi' | 'asgi' | 'any';
  /** options are the per-server settings it takes (`workers`, `timeout`…), beside the common ones. */
  readonly options: Readonly<Record<string, ServerOptionSpec>>;
  available(): Promise<ServerAvailability>;
  start(options?: ServerStartOptions): Promise<RunningServer>;
}
