import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  FRAME_SAMPLES,
  LatencyTracker,
  decodeWav,
  findSpeechTurns,
  frameSendTimeMs,
  paceFrames,
  readWav,
  runCall,
  writeWav,
  type CallEvent,
  type Clock,
} from '../scripts/call-client/index.js';

// ---- building WAV files the way other tools write them ----

function chunk(id: string, body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'latin1');
  header.writeUInt32LE(body.length, 4);
  // RIFF chunks are word aligned: an odd body is followed by a pad byte.
  return Buffer.concat([header, body, Buffer.alloc(body.length & 1)]);
}

function fmtChunk(formatTag: number, channels: number, rate: number, bits: number): Buffer {
  const body = Buffer.alloc(16);
  const blockAlign = (channels * bits) / 8;
  body.writeUInt16LE(formatTag, 0);
  body.writeUInt16LE(channels, 2);
  body.writeUInt32LE(rate, 4);
  body.writeUInt32LE(rate * blockAlign, 8);
  body.writeUInt16LE(blockAlign, 12);
  body.writeUInt16LE(bits, 14);
  return chunk('fmt ', body);
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const header = Buffer.alloc(8);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Interleaved frames of `channels` values, each written by `write(buf, value, at)`. */
function interleave(frames: number[][], bytesPerSample: number, write: (b: Buffer, v: number, at: number) => void): Buffer {
  const channels = frames[0].length;
  const data = Buffer.alloc(frames.length * channels * bytesPerSample);
  frames.forEach((frame, f) => frame.forEach((v, c) => write(data, v, (f * channels + c) * bytesPerSample)));
  return data;
}

const tone = (freq: number, rate: number, seconds: number, amplitude: number): number[] =>
  Array.from({ length: Math.round(rate * seconds) }, (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / rate));

const int16Of = (values: number[]) => Int16Array.from(values, (v) => Math.round(v * 32767));

/** Share of the signal's energy at `freq` (Goertzel), 1 for a pure tone on a bin. */
function toneShare(samples: ArrayLike<number>, rate: number, freq: number): number {
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < samples.length; i++) {
    const s0 = samples[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += samples[i] * samples[i];
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * power) / samples.length / energy;
}

function rms(samples: ArrayLike<number>, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i] * samples[i];
  return Math.sqrt(sum / (to - from));
}

describe('WAV files', () => {
  it('reads back what it writes: 8 kHz mono 16-bit', () => {
    const samples = Int16Array.from({ length: 1001 }, (_, i) => ((i * 7919) % 65536) - 32768);
    const wav = writeWav(samples);
    expect(wav.length).toBe(44 + 2002);
    expect(wav.toString('latin1', 0, 4)).toBe('RIFF');
    const back = readWav(wav);
    expect(back.sampleRate).toBe(8000);
    expect(back.channels).toBe(1);
    expect(Array.from(back.samples)).toEqual(Array.from(samples));
  });

  it('turns a 48 kHz stereo recording into 8 kHz mono: same tone, same duration, channels averaged', () => {
    const left = tone(1000, 48000, 0.25, 0.6);
    const data = interleave(
      left.map((v) => [v, 0]),
      2,
      (b, v, at) => b.writeInt16LE(Math.round(v * 32767), at),
    );
    const { sampleRate, channels, samples } = readWav(riff(fmtChunk(1, 2, 48000, 16), chunk('data', data)));
    expect([sampleRate, channels]).toEqual([48000, 2]);
    expect(samples.length).toBe(2000); // 0.25 s at 8 kHz
    const middle = samples.subarray(200, 1800); // away from the edges where the filter sees the file's start and end
    expect(toneShare(middle, 8000, 1000)).toBeGreaterThan(0.99);
    // Left at 0.6, right silent: the mix is 0.3, an RMS of 0.3/sqrt(2) full scale.
    expect(rms(middle) / 32768).toBeCloseTo(0.3 / Math.SQRT2, 2);
  });

  it('filters out what lies above 4 kHz instead of letting it alias into the call band', () => {
    // Plain decimation would fold a 6 kHz tone at 48 kHz onto 2 kHz at full strength.
    const data = interleave(
      tone(6000, 48000, 0.25, 0.5).map((v) => [v]),
      2,
      (b, v, at) => b.writeInt16LE(Math.round(v * 32767), at),
    );
    const { samples } = readWav(riff(fmtChunk(1, 1, 48000, 16), chunk('data', data)));
    expect(samples.length).toBe(2000);
    expect(rms(samples, 200, 1800) / 32768).toBeLessThan(0.001);
  });

  it('reads 44.1 kHz 24-bit with the tone and the duration intact', () => {
    const data = interleave(
      tone(1000, 44100, 0.25, 0.5).map((v) => [v]),
      3,
      (b, v, at) => b.writeIntLE(Math.round(v * 8388607), at, 3),
    );
    const { samples } = readWav(riff(fmtChunk(1, 1, 44100, 24), chunk('data', data)));
    expect(samples.length).toBe(2000);
    expect(toneShare(samples.subarray(200, 1800), 8000, 1000)).toBeGreaterThan(0.99);
  });

  it('reads 8-bit unsigned and 32-bit float samples at their level', () => {
    const unsigned = readWav(riff(fmtChunk(1, 1, 8000, 8), chunk('data', Buffer.from([128, 192, 64, 255]))));
    expect(Array.from(unsigned.samples)).toEqual([0, 16384, -16384, 32512]);

    const floats = interleave([[0.25], [-0.5], [1.5]], 4, (b, v, at) => b.writeFloatLE(v, at));
    const float = readWav(riff(fmtChunk(3, 1, 8000, 32), chunk('data', floats)));
    expect(Array.from(float.samples)).toEqual([8192, -16384, 32767]); // over full scale clips
  });

  it('reads WAVE_FORMAT_EXTENSIBLE headers by their sub-format', () => {
    const fmt = Buffer.alloc(40);
    fmt.writeUInt16LE(0xfffe, 0);
    fmt.writeUInt16LE(1, 2);
    fmt.writeUInt32LE(8000, 4);
    fmt.writeUInt32LE(32000, 8);
    fmt.writeUInt16LE(4, 12);
    fmt.writeUInt16LE(32, 14);
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(3, 24); // KSDATAFORMAT_SUBTYPE_IEEE_FLOAT
    const data = interleave([[0.5]], 4, (b, v, at) => b.writeFloatLE(v, at));
    const wav = decodeWav(riff(chunk('fmt ', fmt), chunk('data', data)));
    expect(wav.encoding).toBe('float');
    expect(Array.from(wav.mono)).toEqual([0.5]);
  });

  it('skips other chunks, odd-sized ones included, and takes a data size past the end as "to the end"', () => {
    const samples = [100, -200, 300];
    const data = interleave(
      samples.map((v) => [v]),
      2,
      (b, v, at) => b.writeInt16LE(v, at),
    );
    const list = chunk('LIST', Buffer.from('INFOx', 'latin1')); // 5 bytes + 1 pad byte
    expect(Array.from(readWav(riff(list, fmtChunk(1, 1, 8000, 16), chunk('junk', Buffer.alloc(3)), chunk('data', data))).samples)).toEqual(
      samples,
    );

    const streamed = riff(fmtChunk(1, 1, 8000, 16), chunk('data', data));
    streamed.writeUInt32LE(0xffffffff, streamed.length - data.length - 4);
    expect(Array.from(readWav(streamed).samples)).toEqual(samples);
  });

  it('says clearly why a file cannot be read', () => {
    const data = chunk('data', Buffer.alloc(4));
    expect(() => readWav(Buffer.from('ID3\x04 this is an mp3 file', 'latin1'))).toThrow('not a WAV file');
    expect(() => readWav(Buffer.alloc(0))).toThrow('not a WAV file');
    expect(() => readWav(riff(fmtChunk(1, 1, 8000, 16)))).toThrow('no data chunk');
    expect(() => readWav(riff(data))).toThrow('no fmt chunk');
    expect(() => readWav(riff(fmtChunk(7, 1, 8000, 8), data))).toThrow(/unsupported WAV encoding: format 0x0007 \(mu-law\)/);
    expect(() => readWav(riff(fmtChunk(1, 1, 8000, 12), data))).toThrow('unsupported WAV sample size: 12-bit PCM');
    expect(() => readWav(riff(fmtChunk(1, 0, 8000, 16), data))).toThrow('0 channels');
  });
});

describe('end of speech', () => {
  const silence = (seconds: number) => new Array<number>(Math.round(8000 * seconds)).fill(0);

  it('ends a turn at the last loud frame before the silence', () => {
    const turns = findSpeechTurns(int16Of([...tone(440, 8000, 1, 0.3), ...silence(1)]));
    expect(turns).toEqual([{ firstFrame: 0, lastFrame: 49 }]); // 1 s = frames 0..49
  });

  it('keeps short pauses inside a turn and splits at long ones, over a noise floor', () => {
    const noise = (samples: number[]) => samples.map((v, i) => v + (i % 2 ? 0.0005 : -0.0005)); // -66 dBFS hiss
    const signal = [
      ...tone(440, 8000, 0.5, 0.3),
      ...silence(0.2),
      ...tone(440, 8000, 0.5, 0.3),
      ...silence(1),
      ...tone(440, 8000, 0.4, 0.3),
      ...silence(1),
    ];
    const turns = findSpeechTurns(int16Of(noise(signal)));
    expect(turns).toEqual([
      { firstFrame: 0, lastFrame: 59 }, // 0.5 + 0.2 + 0.5 s
      { firstFrame: 110, lastFrame: 129 }, // after 1 s of silence, 0.4 s
    ]);
  });
});

describe('the bundled caller recording', () => {
  it('is one spoken turn of a few seconds followed by about a second of silence', () => {
    const file = readFileSync(new URL('../assets/caller.wav', import.meta.url));
    const { sampleRate, channels, samples } = readWav(file);
    expect([sampleRate, channels, file.length < 100_000]).toEqual([8000, 1, true]);
    const turns = findSpeechTurns(samples);
    expect(turns).toHaveLength(1);
    const speechMs = (turns[0].lastFrame - turns[0].firstFrame + 1) * 20;
    expect(speechMs).toBeGreaterThanOrEqual(3000);
    expect(speechMs).toBeLessThanOrEqual(5000);
    expect(samples.length / 8 - (turns[0].lastFrame + 1) * 20).toBeGreaterThanOrEqual(900);
  });
});

describe('frame pacing', () => {
  it('schedules frame n at n x 20 ms from the start, divided by the realtime factor', () => {
    expect([0, 1, 50].map((i) => frameSendTimeMs(i))).toEqual([0, 20, 1000]);
    expect(frameSendTimeMs(50, 4)).toBe(250);
  });

  /** A clock that only moves when told: sleeping and sending take the time the test says. */
  function fakeClock(oversleepMs: number): Clock & { sleeps: number[]; advance(ms: number): void } {
    let now = 1000;
    const sleeps: number[] = [];
    return {
      sleeps,
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms + oversleepMs;
      },
      advance: (ms) => {
        now += ms;
      },
    };
  }

  it('waits less after a slow send or a late timer, so the schedule never drifts', async () => {
    const clock = fakeClock(3);
    const sentAt: number[] = [];
    const sent = await paceFrames(
      5,
      1,
      () => {
        sentAt.push(clock.now() - 1000);
        clock.advance(7); // sending takes 7 ms
        return true;
      },
      clock,
    );
    expect(sent).toBe(5);
    // Every send is 3 ms late (the timer oversleeps) but the error does not add up.
    expect(sentAt).toEqual([0, 23, 43, 63, 83]);
    expect(clock.sleeps).toEqual([13, 10, 10, 10]);
  });

  it('stops when the call is over', async () => {
    const clock = fakeClock(0);
    expect(await paceFrames(10, 1, (i) => i < 3, clock)).toBe(3);
  });
});

describe('response latency', () => {
  const turns = [
    { firstFrame: 0, lastFrame: 9 },
    { firstFrame: 30, lastFrame: 39 },
  ];

  it('times each turn from its last speech frame to the first agent audio after it', () => {
    const tracker = new LatencyTracker(turns);
    for (let i = 0; i <= 12; i++) tracker.frameSent(i, i * 20);
    expect(tracker.agentAudio(900)).toEqual({ turn: 0, latencyMs: 720 }); // frame 9 left at 180 ms
    expect(tracker.agentAudio(920)).toBeUndefined(); // the rest of the same answer
    for (let i = 13; i <= 45; i++) tracker.frameSent(i, i * 20);
    expect(tracker.agentAudio(1000)).toEqual({ turn: 1, latencyMs: 220 });
    expect(tracker.summary()).toEqual([
      { speechEndMs: 200, latencyMs: 720 },
      { speechEndMs: 800, latencyMs: 220 },
    ]);
  });

  it('leaves a turn unanswered when the caller speaks again first', () => {
    const tracker = new LatencyTracker(turns);
    for (let i = 0; i <= 35; i++) tracker.frameSent(i, i * 20);
    expect(tracker.agentAudio(750)).toBeUndefined();
    expect(tracker.summary()[0].latencyMs).toBeNull();
  });
});

// ---- runCall against tiny stand-ins for the service ----

/** 0.3 s of tone then 0.1 s of silence: one caller turn, 20 frames. */
const callerInput = int16Of([...tone(440, 8000, 0.3, 0.3), ...new Array<number>(800).fill(0)]);
const FAST = { tailMs: 200, realtimeFactor: 20 } as const; // 30 frames in ~30 ms
const TOTAL_FRAMES = 30;

function listening(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

interface EchoService {
  port: number;
  requests: http.IncomingMessage[];
  received: Array<Record<string, unknown>>;
  sockets: WebSocket[];
  close(): Promise<void>;
}

/** A service side speaking AVR core's WebSocket protocol: greets on init, echoes audio back. */
async function startWsEcho(onMessage?: (ws: WebSocket, msg: Record<string, unknown>, count: number) => void): Promise<EchoService> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  const service: EchoService = { port: 0, requests: [], received: [], sockets: [], close: async () => {} };
  wss.on('connection', (ws, req) => {
    service.requests.push(req);
    service.sockets.push(ws);
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      service.received.push(msg);
      if (msg.type === 'init') ws.send(JSON.stringify({ type: 'transcript', role: 'agent', text: 'Hello, how can I help?' }));
      if (msg.type === 'audio') ws.send(JSON.stringify({ type: 'audio', audio: msg.audio }));
      onMessage?.(ws, msg, service.received.length);
    });
  });
  service.port = await listening(server);
  service.close = () => {
    for (const ws of service.sockets) ws.terminate();
    return new Promise((resolve) => wss.close(() => server.close(() => resolve())));
  };
  return service;
}

/**
 * A service side of the HTTP transport: echoes the request body as the response body; or
 * refuses the call with `status`; or, with `hangUpAtFirstChunk`, answers the first chunk of
 * caller audio and ends the call, which it can only do if the body is streamed.
 */
async function startHttpEcho(options: { status?: number; hangUpAtFirstChunk?: boolean } = {}): Promise<EchoService> {
  const service: EchoService = { port: 0, requests: [], received: [], sockets: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    service.requests.push(req);
    if (options.status) {
      res.writeHead(options.status, { 'Content-Type': 'text/plain' }).end('bad token');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    req.on('data', (chunk: Buffer) => (options.hangUpAtFirstChunk ? res.end(chunk) : res.write(chunk)));
    req.on('end', () => res.end());
  });
  service.port = await listening(server);
  service.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return service;
}

/** The input as sent: padded to whole frames, then the silent tail. */
function expectedEcho(): Int16Array {
  const echo = new Int16Array(TOTAL_FRAMES * FRAME_SAMPLES);
  echo.set(callerInput);
  return echo;
}

describe('runCall over WebSocket', () => {
  let service: EchoService;
  afterEach(() => service?.close());

  it('sends init and real-time frames, and collects audio, transcripts and the latency', async () => {
    service = await startWsEcho();
    const events: CallEvent[] = [];
    const summary = await runCall({
      url: `ws://127.0.0.1:${service.port}`,
      input: callerInput,
      uuid: 'call-1',
      query: 'from=2000&to=5001',
      token: 's3cret',
      ...FAST,
      onEvent: (e) => events.push(e),
    });

    const url = new URL(service.requests[0].url!, 'ws://x');
    expect(Object.fromEntries(url.searchParams)).toEqual({ from: '2000', to: '5001', token: 's3cret' });
    expect(service.received[0]).toEqual({ type: 'init', uuid: 'call-1' });
    expect(service.received.slice(1).every((m) => m.type === 'audio' && Buffer.from(m.audio as string, 'base64').length === 320)).toBe(
      true,
    );

    expect(summary).toMatchObject({
      transport: 'ws',
      uuid: 'call-1',
      framesSent: TOTAL_FRAMES,
      framesReceived: TOTAL_FRAMES,
      bytesReceived: TOTAL_FRAMES * 320,
      errors: [],
      closeCode: 1000,
    });
    expect(Array.from(summary.agentAudio)).toEqual(Array.from(expectedEcho()));
    expect(summary.transcripts.map(({ role, text }) => ({ role, text }))).toEqual([{ role: 'agent', text: 'Hello, how can I help?' }]);
    // The echo of the first frame after the caller's speech answers the one turn (frames 0..14).
    expect(summary.turns).toHaveLength(1);
    expect(summary.turns[0].speechEndMs).toBe(300);
    expect(summary.latenciesMs).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['connected', 'transcript', 'latency', 'progress', 'closed']));
  });

  it('reports service errors and an abnormal close, and stops sending', async () => {
    service = await startWsEcho((ws, msg, count) => {
      if (count === 5) {
        ws.send(JSON.stringify({ type: 'interruption' }));
        ws.send(JSON.stringify({ type: 'error', message: 'upstream unavailable' }));
        ws.close(1011, 'internal error');
      }
    });
    // Real time with a 10 s tail: 520 frames, unless the close is noticed.
    const summary = await runCall({ url: `ws://127.0.0.1:${service.port}`, input: callerInput, tailMs: 10_000 });
    expect(summary.interruptions).toBe(1);
    expect(summary.errors).toEqual(['service: upstream unavailable', 'the service closed the connection with code 1011 (internal error)']);
    expect(summary.closeCode).toBe(1011);
    expect(summary.framesSent).toBeLessThan(100);
  });

  it('reports a service it cannot reach as an error, not a crash', async () => {
    service = await startWsEcho();
    const port = service.port;
    await service.close();
    const summary = await runCall({ url: `ws://127.0.0.1:${port}`, input: callerInput, token: 'hidden', ...FAST });
    expect(summary.framesSent).toBe(0);
    expect(summary.errors).toHaveLength(1);
    expect(summary.errors[0]).toMatch(new RegExp(`^could not connect to ws://127\\.0\\.0\\.1:${port}/\\?token=\\*\\*\\*: .*ECONNREFUSED`));
  });

  it('rejects a URL of another scheme', async () => {
    await expect(runCall({ url: 'ftp://host/', input: callerInput })).rejects.toThrow('unsupported URL scheme "ftp:"');
  });
});

describe('runCall over HTTP', () => {
  let service: EchoService;
  afterEach(() => service?.close());

  it('streams the caller as a chunked POST and records the streamed response', async () => {
    service = await startHttpEcho();
    const summary = await runCall({
      url: `http://127.0.0.1:${service.port}`,
      input: callerInput,
      uuid: 'call-2',
      token: 's3cret',
      ...FAST,
    });

    const req = service.requests[0];
    expect(req.url).toBe('/speech-to-speech-stream');
    expect(req.headers).toMatchObject({
      'content-type': 'audio/x-raw',
      'x-uuid': 'call-2',
      authorization: 'Bearer s3cret',
      'transfer-encoding': 'chunked',
    });
    expect(summary).toMatchObject({
      transport: 'http',
      framesSent: TOTAL_FRAMES,
      framesReceived: TOTAL_FRAMES,
      bytesReceived: TOTAL_FRAMES * 320,
      httpStatus: 200,
      errors: [],
    });
    expect(Array.from(summary.agentAudio)).toEqual(Array.from(expectedEcho()));
    expect(summary.latenciesMs).toHaveLength(1);
  });

  it('streams in real time and stops when the service ends the call', async () => {
    service = await startHttpEcho({ hangUpAtFirstChunk: true });
    // Real time with a 10 s tail: 520 frames, unless the service's hang-up is noticed.
    const summary = await runCall({ url: `http://127.0.0.1:${service.port}`, input: callerInput, tailMs: 10_000 });
    expect(summary.errors).toEqual([]);
    expect(summary.bytesReceived).toBeGreaterThan(0);
    expect(summary.framesSent).toBeLessThan(100);
  });

  it('reports a refused request with its status and body', async () => {
    service = await startHttpEcho({ status: 401 });
    const summary = await runCall({ url: `http://127.0.0.1:${service.port}/speech-to-speech-stream`, input: callerInput, ...FAST });
    expect(summary.httpStatus).toBe(401);
    expect(summary.errors).toEqual(['HTTP 401 Unauthorized: bad token']);
    expect(summary.bytesReceived).toBe(0);
  });
});
