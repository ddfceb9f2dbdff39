import { runCall } from '../scripts/call-client/index.js';
import { startTestApp, type TestApp } from './support/app.js';

/** The call client against the real service on its built-in simulator, over both transports. */
describe('call client against the service on the simulator', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ OPENAI_REALTIME_URL: 'simulator', LOG_LEVEL: 'info' });
  });
  afterAll(async () => {
    await app.close();
  });

  /** 0.8 s of a loud voiced tone, then silence: one caller turn the simulator's VAD answers. */
  function callerTurn(): Int16Array {
    const samples = new Int16Array(8000 * 0.8);
    for (let i = 0; i < samples.length; i++) {
      const t = i / 8000;
      samples[i] = Math.round(9000 * (Math.sin(2 * Math.PI * 220 * t) + 0.5 * Math.sin(2 * Math.PI * 440 * t)) * 0.6);
    }
    return samples;
  }

  it.each([
    ['WebSocket', () => app.wsUrl],
    ['HTTP stream', () => `${app.httpUrl}/speech-to-speech-stream`],
  ])('gets the echoed answer over %s', async (_name, url) => {
    const summary = await runCall({ url: url(), input: callerTurn(), tailMs: 2500, uuid: `client-${_name}` });
    expect(summary.errors).toEqual([]);
    // The simulator echoes the 0.8 s utterance: about 40 frames of agent audio come back.
    expect(summary.framesReceived).toBeGreaterThanOrEqual(38);
    expect(summary.framesReceived).toBeLessThanOrEqual(45);
    expect(summary.latenciesMs).toHaveLength(1);
    if (summary.transport === 'ws') {
      expect(summary.transcripts.map((t) => t.role).sort()).toEqual(['agent', 'user']);
      expect(summary.closeCode).toBe(1000);
    } else {
      expect(summary.httpStatus).toBe(200);
    }
  });
});
