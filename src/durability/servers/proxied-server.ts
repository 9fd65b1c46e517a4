import type { ProxyAdapter } from './proxy-adapter.js';
import type { RunningServer, ServerAdapter, ServerAvailability, ServerSettingValue, ServerStartOptions, ServerStopReport } from './server-adapter.js';

/** prefixLines marks every line of the proxy's log with its name, so merged logs say whose a line is. */
function prefixLines(name: string, text: string): string {
  const body = text.trimEnd();
  return body === '' ? '' : body.split('\n').map((line) => `${name}: ${line}`).join('\n');
}

/**
 * combine makes one RunningServer of a server and the proxy in front of it: the URL is the
 * proxy's; `pid`, `sample()` and the stop report are the server's (the figures that matter), with
 * the proxy's own under `proxy`; the logs are the server's followed by the proxy's lines; stop()
 * stops the proxy first, then the server, and throws only after both were tried.
 */
function combine(name: string, server: RunningServer, proxy: RunningServer): RunningServer {
  let stopping: Promise<ServerStopReport> | undefined;
  const stop = (): Promise<ServerStopReport> =>
    (stopping ??= (async () => {
      let proxyReport: ServerStopReport | undefined;
      let proxyError: unknown;
      try {
        proxyReport = await proxy.stop();
      } catch (error) {
        proxyError = error;
      }
      const report = await server.stop();
      if (proxyError !== undefined) throw proxyError;
      return { ...report, name, ...(proxyReport !== undefined ? { proxy: proxyReport } : {}) };
    })());
  return {
    name,
    url: proxy.url,
    host: proxy.host,
    port: proxy.port,
    pid: server.pid,
    proxy,
    stop,
    sample: async () => {
      const [own, front] = await Promise.all([server.sample(), proxy.sample()]);
      return { ...own, proxy: front };
    },
    // The lines beside an unexpected result: the server's and the proxy's, in the order they came.
    logLines: () => [...(server.logLines?.() ?? []), ...(proxy.logLines?.() ?? []).map((l) => ({ ...l, text: `${proxy.name}: ${l.text}` }))].sort((a, b) => a.atMs - b.atMs),
    logs: () => {
      const front = prefixLines(proxy.name, proxy.logs());
      return front === '' ? server.logs() : `${server.logs().replace(/\n?$/, '\n')}${front}\n`;
    },
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}

function bothAvailable(a: ServerAvailability, b: ServerAvailability): ServerAvailability {
  return a.ok ? b : a;
}

/**
 * behindProxy composes a proxy (with its settings) and a server adapter into one ServerAdapter named
 * `PROXY>SERVER`: start() starts the server on a free port (its settings are the ones given to
 * start), then the proxy in front of it (on `options.port` if given), and stops the server again if
 * the proxy will not start. Both must be available.
 */
export function behindProxy(proxy: ProxyAdapter, proxySettings: Readonly<Record<string, ServerSettingValue>>, inner: ServerAdapter): ServerAdapter {
  const name = `${proxy.name}>${inner.name}`;
  return {
    name,
    description: `${inner.description}, behind ${proxy.name}`,
    runtime: inner.runtime,
    options: inner.options,
    available: async () => bothAvailable(await proxy.available(), await inner.available()),
    async start(options: ServerStartOptions = {}): Promise<RunningServer> {
      const { port, ...forServer } = options;
      const server = await inner.start(forServer);
      try {
        // The server's settings and environment are its own; timeouts, host and sampling apply to both.
        const { env: _env, settings: _settings, ...forProxy } = forServer;
        const front = await proxy.start(server, { ...forProxy, settings: proxySettings, ...(port !== undefined ? { port } : {}) });
        return combine(name, server, front);
      } catch (error) {
        await server.stop().catch(() => undefined);
        throw error;
      }
    },
  };
}
