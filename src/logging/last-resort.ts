import type { Logger } from 'pino';
import { LogBudget } from './log-budget.js';

/**
 * The process's last line of defence, installed once the service runs: an exception or a
 * rejected promise that no handler caught is logged (rate-limited) and the process goes on.
 * Every socket, timer and promise of a call has its own catch that ends that call; what still
 * reaches this point came from one event of one connection, and exiting would end every call on
 * the pod for it. Faults before the service runs still stop the start-up.
 */
export function installLastResortHandlers(logger: Logger, proc: NodeJS.Process = process): void {
  const budget = new LogBudget(20, 10_000);
  proc.on('uncaughtException', (err, origin) => {
    const allowed = budget.take();
    if (allowed)
      logger.error({ ...allowed, err, origin }, 'uncaught exception: logged and survived (a handler missed it; the process goes on)');
  });
  proc.on('unhandledRejection', (reason) => {
    const allowed = budget.take();
    if (allowed) logger.error({ ...allowed, err: reason }, 'unhandled promise rejection: logged and survived (the process goes on)');
  });
}
