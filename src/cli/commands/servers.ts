import { Command } from 'commander';
import { COMMON_SERVER_OPTIONS } from '../../durability/servers/process-adapter.js';
import { PROXY_ADAPTERS } from '../../durability/servers/proxy-registry.js';
import { listServers } from '../../durability/servers/server-registry.js';
import { out, strictCommand } from '../io.js';

/**
 * serversCommand is `gauntlet servers`: every server adapter, whether it runs here, its options, and
 * how to install it when it does not.
 */
export function serversCommand(setExit: (code: number) => void): Command {
  return strictCommand(new Command('servers'))
    .description('list the servers durability tests can start, whether each runs here, and how to install the missing ones')
    .action(async () => {
      const list = await listServers();
      const width = Math.max(...list.map((s) => s.name.length));
      out(`Servers (-s NAME or -s NAME:key=value,...); "yes" runs here:\n\n`);
      for (const s of list) {
        const a = s.availability;
        out(`  ${s.name.padEnd(width)}  ${a.ok ? 'yes' : 'no '}  ${s.runtime.padEnd(4)}  ${s.description}\n`);
        const options = Object.entries(s.adapter.options).map(([k, o]) => (o.default !== undefined && o.default !== '' ? `${k}=${String(o.default)}` : k));
        if (options.length > 0) out(`  ${''.padEnd(width)}             options: ${options.join(', ')}\n`);
        if (!a.ok) out(`  ${''.padEnd(width)}             missing: ${a.why ?? 'unknown reason'}${a.install !== undefined ? `; install: ${a.install}` : ''}\n`);
      }
      const proxies = await Promise.all(PROXY_ADAPTERS.map(async (p) => ({ proxy: p, availability: await p.available() })));
      out(`\nProxies, in front of any server (-s 'PROXY[:key=value,...]>SERVER[:key=value,...]', quoted):\n\n`);
      for (const { proxy, availability: a } of proxies) {
        out(`  ${proxy.name.padEnd(width)}  ${a.ok ? 'yes' : 'no '}  ${'any'.padEnd(4)}  ${proxy.description}\n`);
        const options = Object.entries(proxy.options).map(([k, o]) => (o.default !== undefined && o.default !== '' ? `${k}=${String(o.default)}` : k));
        out(`  ${''.padEnd(width)}             options: ${options.join(', ')}\n`);
        if (!a.ok) out(`  ${''.padEnd(width)}             missing: ${a.why ?? 'unknown reason'}${a.install !== undefined ? `; install: ${a.install}` : ''}\n`);
      }
      const common = Object.entries(COMMON_SERVER_OPTIONS).map(([k, o]) => `${k}=${String(o.default)} (${o.description})`);
      out(`\nEvery server also takes: ${common.join('; ')}.\n`);
      out(`Example: gauntlet singletest -s gunicorn-sync:workers=4,timeout=5 -t wedge\n`);
      setExit(0);
    });
}
