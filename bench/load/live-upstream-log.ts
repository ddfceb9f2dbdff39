import { AgentTurns } from '../../src/live/agent-turns.js';
import { INSTRUCTIONS_PREFIX } from './instructions-server.js';
import { nowMs, toCommonMs } from './now.js';
import type { SentResponse, UpstreamCall } from './upstream-log.js';

interface LiveCallLog extends UpstreamCall {
  turns: AgentTurns;
  /** When the delta being looked at was sent (the turn's audio and end are stamped with it). */
  sentAt: number;
}

/**
 * The GPT-Live simulator's observer, in the shape the frame tracer reads (UpstreamCall). Live has
 * no responses: its output streams continuously, silence included, and the service finds the
 * agent's turns with a speech gate (src/live/agent-turns.ts). The same gate runs here over what the
 * simulator sent, so a "response" is exactly the audio the service passes on: from the first loud
 * window to the end of the hangover, whose close is the service's flush.
 */
export class LiveUpstreamLog {
  readonly calls = new Map<string, LiveCallLog>();
  unattributed = 0;

  constructor(private readonly format: 'pcm16' | 'pcmu') {}

  readonly observer = (event: { type: string }, sentAt: number, session: { instructions: string }): void => {
    if (!session.instructions.startsWith(INSTRUCTIONS_PREFIX)) {
      this.unattributed++;
      return;
    }
    const uuid = session.instructions.slice(INSTRUCTIONS_PREFIX.length);
    const call = this.calls.get(uuid) ?? this.newCall(uuid);
    call.sentAt = toCommonMs(sentAt);
    const ev = event as { type: string; delta?: unknown; error?: { code?: string | null; type?: string } };
    switch (ev.type) {
      case 'session.output_audio.delta':
        if (typeof ev.delta === 'string') call.turns.push(Buffer.from(ev.delta, 'base64'));
        return;
      case 'session.output_transcript.delta':
        return call.turns.transcriptActivity();
      case 'session.input_transcript.delta':
        // One caller turn is transcribed in fragments; a turn is counted once per agent reply instead.
        return;
      case 'error': {
        const code = ev.error?.code ?? ev.error?.type ?? 'unknown';
        call.errors.set(code, (call.errors.get(code) ?? 0) + 1);
        return;
      }
      default:
    }
  };

  /** Ends the turns still open (their timers) once the run is over. */
  dispose(): void {
    for (const call of this.calls.values()) call.turns.dispose();
  }

  private newCall(uuid: string): LiveCallLog {
    const bytesPerSample = this.format === 'pcm16' ? 2 : 1;
    const responses: SentResponse[] = [];
    const call: LiveCallLog = {
      responses,
      speechStarted: 0,
      speechStopped: 0,
      errors: new Map(),
      sentAt: 0,
      turns: new AgentTurns(this.format, {
        started: (turnId) => {
          responses.push({ id: turnId, createdAt: call.sentAt, cumulative: [], sentAt: [] });
          call.speechStopped++;
        },
        audio: (_turnId, audio) => {
          const r = responses[responses.length - 1];
          r.cumulative.push((r.cumulative.length ? r.cumulative[r.cumulative.length - 1] : 0) + audio.length / bytesPerSample);
          r.sentAt.push(call.sentAt);
        },
        // Ended by a delta (the hangover counted in audio: now is its send) or by a timer (transcript still trailing).
        ended: () => {
          const r = responses[responses.length - 1];
          r.audioDoneAt = nowMs();
          r.status = 'completed';
        },
      }),
    };
    this.calls.set(uuid, call);
    return call;
  }
}
