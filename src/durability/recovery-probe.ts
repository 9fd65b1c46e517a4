import http from 'node:http';
import https from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';
import { classifyError } from '../transport/classify-error.js';
import type { OutcomeKind } from '../core/failure-kinds.js';

/** RECOVERY_PROBE_MS is how long a run that ended inside a failure streak waits for the server to answer again. */
export const RECOVERY_PROBE_MS = 5000;

/**
 * RecoveryProbe is what the probe after a run saw: `answeredAt` (performance.now() ms) of the first
 * 200 to GET /plain, or, when none came, the last failure's kind (`refused`: nothing listened).
 */
export type RecoveryProbe = { readonly answered: true; readonly answeredAt: number; readonly tries: number } | { readonly answered: false; readonly lastKind: OutcomeKind; readonly tries: number };

/** ProbeOptions bound the probe: its whole time, the pause between tries and a check that the server still lives. */
export interface ProbeOptions {
  readonly withinMs?: number;
  readonly everyMs?: number;
  /** gone resolves true once the server's process tree is gone: the probe gives up at once. */
  readonly gone?: () => Promise<boolean>;
}

/**
 * probeRecovery asks the behaviour app at `baseUrl` for GET /plain (one connection each, a 1 s
 * timeout) every `everyMs` (50) until it answers 200 or `withinMs` (RECOVERY_PROBE_MS) pass. A run
 * that ended while its requests were failing calls it: an answer means the server came back, none
 * that it did not. It never throws.
 */
export async function probeRecovery(baseUrl: string, o: ProbeOptions = {}): Promise<RecoveryProbe> {
  const end = performance.now() + (o.withinMs ?? RECOVERY_PROBE_MS);
  let lastKind: OutcomeKind = 'timeout';
  let tries = 0;
  const url = new URL(baseUrl.replace(/\/+$/, '') + '/plain');
  for (;;) {
    tries++;
    const left = end - performance.now();
    const kind = await getOnce(url, Math.max(50, Math.min(1000, left)));
    if (kind === 'ok') return { answered: true, answeredAt: performance.now(), tries };
    lastKind = kind;
    if (performance.now() >= end || (await o.gone?.().catch(() => false)) === true) return { answered: false, lastKind, tries };
    await delay(o.everyMs ?? 50);
  }
}

function getOnce(url: URL, timeoutMs: number): Promise<OutcomeKind> {
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    try {
      req = (url.protocol === 'https:' ? https : http).get(url, { agent: false, timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : 'status'));
        res.on('error', () => resolve('reset'));
      });
    } catch (e) {
      // A URL the client refuses outright is a failed probe, never a throw out of the run's end.
      return resolve(classifyError(e));
    }
    req.on('timeout', () => {
      req.destroy();
      resolve('timeout');
    });
    req.on('error', (e) => resolve(classifyError(e)));
  });
}
