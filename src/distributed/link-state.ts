import { performance } from 'node:perf_hooks';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * LinkState follows one NATS connection's own state, so silence timers count only while this side
 * is connected: a coordinator that is cut off does not call its agents lost, an agent that is cut
 * off does not call its coordinator gone. `downMs()` is how long the link has been down in total,
 * which a timer subtracts from the silence it measures (it resumes after a reconnect).
 */
export class LinkState {
  private down = false;
  private downSince = 0;
  private downTotal = 0;
  private stopped = false;
  private readonly iter: AsyncIterable<{ type: string }> & { stop?: () => void };

  constructor(nc: NatsConnection, log?: (line: string) => void) {
    const iter = nc.status() as unknown as AsyncIterable<{ type: string }> & { stop?: () => void };
    this.iter = iter;
    void (async () => {
      for await (const s of iter) {
        if (this.stopped) break;
        if (s.type === 'disconnect' && !this.down) {
          this.down = true;
          this.downSince = performance.now();
          log?.('NATS link down: silence timers paused until it is back');
        } else if (s.type === 'reconnect' && this.down) {
          this.down = false;
          this.downTotal += performance.now() - this.downSince;
          log?.('NATS link back: silence timers resumed');
        }
      }
    })();
  }

  /** connected says whether the link is up now. */
  get connected(): boolean {
    return !this.down;
  }

  /** downMs is the total time the link was down, up to now. */
  downMs(): number {
    return this.downTotal + (this.down ? performance.now() - this.downSince : 0);
  }

  /** close stops following the connection. */
  close(): void {
    this.stopped = true;
    this.iter.stop?.();
  }
}
