import { EventEmitter } from 'node:events';
import { createRootLogger } from './logger.js';
import { installLastResortHandlers } from './last-resort.js';

describe('installLastResortHandlers', () => {
  it('logs an uncaught exception and an unhandled rejection at error, rate-limited, and lets the process go on', () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createRootLogger('info', { write: (l: string) => void lines.push(JSON.parse(l)) });
    const emitter = new EventEmitter();
    installLastResortHandlers(logger, emitter as unknown as NodeJS.Process);
    const proc = emitter as unknown as { emit(event: string, ...args: unknown[]): boolean };
    proc.emit('uncaughtException', new Error('a handler missed this'), 'uncaughtException');
    proc.emit('unhandledRejection', new Error('a promise nobody caught'), Promise.resolve());
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'uncaught exception: logged and survived (a handler missed it; the process goes on)'],
      ['error', 'unhandled promise rejection: logged and survived (the process goes on)'],
    ]);
    expect((lines[0].err as { message: string }).message).toBe('a handler missed this');
    for (let i = 0; i < 100; i++) proc.emit('uncaughtException', new Error(`storm ${i}`), 'uncaughtException');
    expect(lines.length).toBe(20);
  });
});
