import { formatDuration } from '../../core/duration.js';
import { formatBytes } from '../../core/units.js';
import type { DurabilityFigures, OutageFigures } from './durability-figures.js';
import { renderSoak } from './render-soak.js';
import { FAILURE_CAUSES } from '../../durability/failure-causes.js';
import { renderUnexpectedList } from './unexpected-results.js';

/** signedBytes renders a growth: `+1.20 MiB`, `-512 B`. */
export function signedBytes(n: number): string {
  return `${n < 0 ? '-' : '+'}${formatBytes(Math.abs(Math.round(n)))}`;
}

/**
 * recoveryText says how crashes went: `-` without any, else the recovery times (from a crash request
 * to the next OK request) and how many workers saw no OK request after their last crash.
 */
export function recoveryText(f: DurabilityFigures): string {
  if (f.crashes === 0) return '-';
  if (f.recovery === undefined) return 'never recovered';
  const times = `recovered in p50 ${formatDuration(f.recovery.p50Ms)}, max ${formatDuration(f.recovery.maxMs)}`;
  return f.unrecoveredCrashes > 0 ? `${times}; not recovered at the end in ${f.unrecoveredCrashes} worker(s)` : times;
}

/** firstFailureText says when the first unexpected result came: `none` or `after 1.52s`. */
export function firstFailureText(f: DurabilityFigures): string {
  return f.firstUnexpectedMs === undefined ? 'none' : `after ${formatDuration(f.firstUnexpectedMs)}`;
}

/**
 * renderDurability renders a run's durability figures under Labour's plain report: requests and
 * unexpected results per behaviour, collateral failures, crashes and recovery, the first unexpected
 * failure, what the server's process tree did and, for a run of a minute or more, the soak figures
 * (shorter runs keep theirs in the JSON and the page). A pure function of the figures.
 */
export function renderDurability(f: DurabilityFigures): string {
  const lines: string[] = ['Behaviours (OK means as expected):'];
  const width = Math.max(...f.behaviours.map((b) => b.label.length), 9);
  for (const b of f.behaviours) {
    lines.push(`  ${b.label.padEnd(width)}  weight ${String(b.weight).padStart(3)}  ${String(b.requests).padStart(7)} requests  ${String(b.unexpected).padStart(7)} unexpected`);
  }
  lines.push('');
  lines.push(`Collateral failures: ${f.collateralFailures} (well-behaved requests that failed)`);
  if (f.crashes > 0) lines.push(`Crashes: ${f.crashes} crash request(s); ${recoveryText(f)}`);
  lines.push(`First unexpected failure: ${firstFailureText(f)}`);
  if (f.causes !== undefined && f.causes.length > 0) lines.push(`Failure causes: ${causesText(f)}`);
  if (f.outages !== undefined && f.outages.state !== 'none') lines.push(`Outages: ${outageText(f.outages)}`);
  if (f.untilFailures !== undefined) lines.push(untilFailuresText(f));
  const s = f.serverStats;
  if (s !== undefined) {
    lines.push(
      `Server ${f.server ?? s.name}: peak RSS ${formatBytes(s.peakRssBytes)}, RSS growth ${signedBytes(s.rssGrowthBytes)}, ` +
        `worker restarts ${s.restarts}, CPU ${s.cpuSeconds.toFixed(2)}s, processes ${s.processesStart} → ${s.processesEnd}` +
        (s.aliveAtEnd ? '' : ' (the server died)'),
    );
    const p = s.proxy;
    if (p !== undefined) {
      lines.push(`  in front, ${p.name}: peak RSS ${formatBytes(p.peakRssBytes)}, restarts ${p.restarts}, CPU ${p.cpuSeconds.toFixed(2)}s, processes ${p.processesStart} → ${p.processesEnd}`);
    }
  }
  if (f.soak !== undefined && !f.soak.short) lines.push(...renderSoak(f.soak));
  lines.push(`Policy: ${f.policy.kind}${f.policy.seed !== undefined ? ` (seed ${f.policy.seed})` : ''}`);
  const list = f.unexpectedList !== undefined ? renderUnexpectedList(f.unexpectedList, f.unexpected) : '';
  return lines.join('\n') + '\n' + (list !== '' ? '\n' + list : '');
}

/** causesText lists the unexpected results per cause, most first: `refused (nothing listened: the server was down) 120, closed before a response 3`. */
export function causesText(f: DurabilityFigures): string {
  return (f.causes ?? []).map((c) => `${FAILURE_CAUSES[c.cause]} ${c.count}`).join(', ');
}

/**
 * outageText says whether and how fast the server came back: `3, all ended; longest 61.2ms, p50
 * 40.1ms`, `1; died (no success after the last failure; its processes were gone)`, or the same with
 * `refused to the end` or `still failing 5s after the run`.
 */
export function outageText(o: OutageFigures): string {
  const times = o.longestMs !== undefined ? `longest ${formatDuration(o.longestMs)}${o.p50Ms !== undefined ? `, p50 ${formatDuration(o.p50Ms)}` : ''}` : '';
  const probe = o.probe?.answered === true ? ' (the last one ended after the run, answering the probe)' : '';
  if (o.state === 'recovers') return `${o.count} (failure streaks), all ended; ${times}${probe}`;
  const ended = o.recovered > 0 ? `; ${o.recovered} ended, ${times}` : '';
  if (o.state === 'died') return `${o.count} (failure streaks); died: no success after the last failure, ${o.probe === undefined ? 'its processes were gone' : 'refused to the end of the probe'}${ended}`;
  return `${o.count} (failure streaks); not recovered: no success after the last failure, still ${o.probe?.lastKind ?? 'failing'} at the end of the probe${ended}`;
}

/** untilFailuresText says whether the run stopped at its `--until-failures` count. */
function untilFailuresText(f: DurabilityFigures): string {
  return f.unexpected >= f.untilFailures!
    ? `Stopped after ${f.unexpected} unexpected result(s) (--until-failures ${f.untilFailures}).`
    : `--until-failures ${f.untilFailures}: only ${f.unexpected} unexpected result(s) before the run's end.`;
}
