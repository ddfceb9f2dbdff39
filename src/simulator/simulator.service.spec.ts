import { Test, type TestingModule } from '@nestjs/testing';
import { RealtimeTestClient } from '../../test/support/fake-realtime-server.js';
import { captureLogs } from '../testing/log-capture.js';
import { AppConfigModule, loadConfig } from '../config/index.js';
import { LoggingModule } from '../logging/index.js';
import { encodeFromPcm16, PCM_24K } from './audio-format.js';
import { SimulatorModule } from './simulator.module.js';
import { SimulatorService } from './simulator.service.js';
import { sineWave } from './tones.js';
import WebSocket from 'ws';

async function boot(env: Record<string, string>): Promise<{ module: TestingModule; logs: Array<Record<string, unknown>> }> {
  const { logger, lines } = captureLogs('info');
  // Not testModule(): that one defaults OPENAI_REALTIME_URL to the simulator, which these cases set themselves.
  const module = await Test.createTestingModule({
    imports: [AppConfigModule.forRoot(loadConfig(env)), LoggingModule.forRoot(logger), SimulatorModule],
  }).compile();
  await module.init();
  return { module, logs: lines() };
}

describe('SimulatorService', () => {
  it('runs the simulated upstream when OPENAI_REALTIME_URL=simulator, and stops it with the module', async () => {
    const { module, logs } = await boot({ OPENAI_REALTIME_URL: 'simulator', SIMULATOR_REPLY: 'tones' });
    const url = module.get(SimulatorService).url;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(logs.filter((l) => String(l.msg).includes('simulated OpenAI Realtime upstream'))).toHaveLength(1);

    const client = await RealtimeTestClient.connect(`${url}?model=gpt-realtime-2.1`);
    await client.waitFor('session.created');
    // SIMULATOR_REPLY reached it: a caller turn is answered with tones, not an echo.
    const halfSecondOfSpeech = encodeFromPcm16(sineWave(24000, 12000, 300, 0.3), PCM_24K);
    client.appendAudio(Buffer.concat([halfSecondOfSpeech, Buffer.alloc(48000)]));
    const delta = await client.waitFor('response.output_audio_transcript.delta');
    expect(delta.delta).toBe('[simulated] agent reply (tones)');
    await module.close();
    expect((await client.closed).code).toBe(1001);
    expect(module.get(SimulatorService).url).toBeUndefined();
    expect(client.invalidEvents).toEqual([]);
  });

  it('runs the GPT-Live simulator when OPENAI_INTERFACE=live and OPENAI_LIVE_URL=simulator', async () => {
    const { module, logs } = await boot({ OPENAI_INTERFACE: 'live', OPENAI_LIVE_URL: 'simulator' });
    const url = module.get(SimulatorService).url;
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/live\/sessions$/);
    expect(logs.filter((l) => String(l.msg).includes('simulated OpenAI GPT-Live upstream'))).toHaveLength(1);
    const ws = new WebSocket(url!);
    const first = new Promise<{ type: string; session?: { model?: string } }>((resolve) =>
      ws.once('message', (d) => resolve(JSON.parse(d.toString()))),
    );
    await new Promise((r) => ws.once('open', r));
    ws.send(
      JSON.stringify({
        type: 'session.start',
        session: { model: 'gpt-live-1', instructions: 'Be brief.', audio: { format: { type: 'audio/pcmu', rate: 8000 } } },
      }),
    );
    expect(await first).toMatchObject({ type: 'session.started', session: { model: 'gpt-live-1' } });
    ws.close();
    await module.close();
    expect(module.get(SimulatorService).url).toBeUndefined();
  });

  it('stays off when a real upstream is configured', async () => {
    const { module, logs } = await boot({ OPENAI_API_KEY: 'sk-test', OPENAI_REALTIME_URL: 'wss://api.openai.com/v1/realtime' });
    expect(module.get(SimulatorService).url).toBeUndefined();
    expect(logs.some((l) => String(l.msg).includes('simulated'))).toBe(false);
    await module.close();
  });
});
