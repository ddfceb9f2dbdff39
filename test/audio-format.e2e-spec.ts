import { mulawToPcm16, pcm16ToMulaw } from '../src/audio/index.js';
import type { FakeRealtimeServer } from './support/fake-realtime-server.js';
import { AvrWsClient, sineFrame } from './support/avr-client.js';
import { startTestApp, type TestApp } from './support/app.js';
import { withFakeUpstream } from './support/with-fake-upstream.js';

/** Fails any test whose client events the fake found invalid or refused (see with-fake-upstream.ts). */
const upstream = withFakeUpstream();

/** OPENAI_AUDIO_FORMAT=pcmu: G.711 mu-law at 8 kHz both ways, no resampling. */
describe('G.711 mu-law upstream', () => {
  let fake: FakeRealtimeServer;
  let app: TestApp;
  beforeAll(async () => {
    fake = await upstream.start();
    app = await startTestApp({ OPENAI_REALTIME_URL: fake.url, OPENAI_API_KEY: 'sk-pcmu', OPENAI_AUDIO_FORMAT: 'pcmu' });
  });
  afterAll(async () => {
    await app.close();
    await fake.close();
  });
  it('sends each 320-byte caller frame as 160 bytes of mu-law and plays mu-law replies as exact 20 ms frames', async () => {
    const client = await AvrWsClient.connect(app.wsUrl);
    client.init('pcmu-call');
    const upstream = await fake.waitForConnection(0);
    const update = await upstream.waitFor('session.update');
    expect(update.session.audio.input.format).toEqual({ type: 'audio/pcmu' });
    const frame = sineFrame(1000, 9000);
    client.sendAudio(frame);
    const append = await upstream.waitFor('input_audio_buffer.append');
    const sent = Buffer.from(append.audio, 'base64');
    expect(sent.length).toBe(160);
    expect(sent.equals(pcm16ToMulaw(frame))).toBe(true);

    const response = await upstream.sendResponse({ audioMs: 500, format: 'pcmu' });
    await client.until(() => client.count('audio') >= 25);
    const { bytes, frameSizes } = client.agentAudio();
    expect(frameSizes).toEqual(new Array(25).fill(320));
    expect(bytes.equals(mulawToPcm16(response.audio))).toBe(true);
    client.close();
  });
});
