import { UserLoopExecutor } from './closed/user-loop-executor.js';
import type { Executor, ExecutorContext } from './executor.js';
import { ArrivalExecutor } from './open/arrival-executor.js';
import type { ExecutorSpec } from './plan.js';

/**
 * createExecutor builds the executor of a load model: UserLoopExecutor for the closed model,
 * ArrivalExecutor for the open one. It is the one place that maps a spec's `kind` to its
 * implementation, so a worker and the executor contract suite build executors the same way.
 */
export function createExecutor(spec: ExecutorSpec, ctx: ExecutorContext): Executor {
  switch (spec.kind) {
    case 'closed':
      return new UserLoopExecutor(spec, ctx);
    case 'open':
      return new ArrivalExecutor(spec, ctx);
    default: {
      const unknown: never = spec;
      throw new Error(`unknown executor kind: ${(unknown as { kind: string }).kind}`);
    }
  }
}
