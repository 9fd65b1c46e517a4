import { usageError } from '../core/errors.js';
import { parseMix, type MixEntry } from './parse-mix.js';
import type { Policy } from './policies.js';

/** ReadyTest is a named mix with its policy, ready to run against any server (Labour's test factories). */
export interface ReadyTest {
  readonly name: string;
  readonly description: string;
  /** mix as written on the CLI, so `--mix` can start from it. */
  readonly mixText: string;
  readonly policy: Policy['name'];
  mix(): MixEntry[];
}

function ready(name: string, description: string, mixText: string, policy: Policy['name'] = 'random'): ReadyTest {
  return { name, description, mixText, policy, mix: () => parseMix(mixText) };
}

/**
 * READY_TESTS are the ready-made tests: Labour's four (plain, light-sleep, heavy-sleep, segfault) and
 * the ones it lacked. Misbehaviours that may leave a server unable to answer (crash, wedge, hang,
 * mixed) give every behaviour a short client timeout, so a dead server costs seconds per request,
 * not 30 (node:cluster, for one, can lose a connection handed to a worker as it dies).
 * A wedge is bounded (it ends by itself after 8 s) for the same reason: a server that cannot kill it
 * is blocked for a while, not for the rest of the run.
 */
export const READY_TESTS: readonly ReadyTest[] = [
  ready('plain', "99 plain requests and 1 that should get a 404, in turn (Labour's Plain)", 'plain:99,plain(status=404):1', 'sequential'),
  ready('light-sleep', "99 plain and 1 sleep of 0.5 s (Labour's LightSleep)", 'plain:99,sleep(seconds=0.5):1'),
  ready('heavy-sleep', "95 plain and 5 sleeps of 2 s (Labour's HeavySleep)", 'plain:95,sleep(seconds=2):5'),
  ready('segfault', "50 plain and 50 real SIGSEGVs in the worker (Labour's SIGSEGV)", 'plain:50,segfault:50'),
  ready('crash', '95 plain and 5 worker exits (code 1): does the server replace its worker, and how soon?', 'plain(timeout=10):95,crash(timeout=10):5'),
  ready(
    'wedge',
    '95 plain and 5 busy CPU loops of 8 s: does the server kill the wedged worker within the 5 s client timeout?',
    'plain(timeout=5):95,wedge(seconds=8,timeout=5):5',
  ),
  ready('hang', '95 plain and 5 requests never answered: does the server time them out within 5 s, and keep serving?', 'plain(timeout=5):95,hang(timeout=5):5'),
  ready('throw', '95 plain and 5 uncaught errors in the handler: a 500 each, and the server goes on?', 'plain:95,throw:5'),
  ready('leak', '90 plain and 10 leaks of 1 MiB kept forever: watch the RSS growth', 'plain:90,leak(bytes=1048576):10'),
  ready('huge', '95 plain and 5 bodies of 10 MiB', 'plain:95,huge:5'),
  ready('trickle', '95 plain and 5 bodies of 1 KiB sent in 10 chunks 0.1 s apart', 'plain:95,trickle:5'),
  ready(
    'mixed',
    'a bit of everything: 80 plain, sleeps, io, leaks, throws, huge and trickled bodies, a crash, a wedge and a hang',
    'plain(timeout=10):80,sleep(seconds=0.5,timeout=10):4,io(timeout=10):3,leak(timeout=10):3,throw(timeout=10):3,' +
      'huge(bytes=1048576,timeout=10):2,trickle(timeout=10):2,crash(timeout=10):1,wedge(seconds=2,timeout=5):1,hang(timeout=5):1',
  ),
];

/** getReadyTest finds a ready test by name (case-insensitive; Labour's CamelCase names work too). */
export function getReadyTest(name: string): ReadyTest {
  const key = name.trim().replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  const test = READY_TESTS.find((t) => t.name === key) ?? (key === 'sigsegv' ? READY_TESTS.find((t) => t.name === 'segfault') : undefined);
  if (test === undefined) {
    throw usageError(`unknown test '${name}'`, `tests: ${READY_TESTS.map((t) => t.name).join(', ')} (or give your own with --mix)`);
  }
  return test;
}
