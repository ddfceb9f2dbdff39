import { Inject, Injectable } from '@nestjs/common';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ROOT_LOGGER } from '../logging/index.js';
import { CallGuards, type GuardedCall } from './call-guards.js';
import { defaultWaitSound, loadWavFrames } from './guard-audio.js';
import { ToolWaitSound } from './tool-wait-sound.js';
import { errorText } from '../common/error-text.js';

/** Beyond the announcement and the AMI request: the call's end reaching the client. */
const WIND_DOWN_MARGIN_MS = 500;

const BUNDLED_ANNOUNCEMENT = fileURLToPath(new URL('../../assets/failure-announcement.wav', import.meta.url));

/**
 * The call guards' shared parts: settings, the failure announcement (read and converted once, at
 * start-up, so a bad file stops the service rather than a call), and the failed-call memory.
 */
@Injectable()
export class GuardsService {
  private readonly announcement: readonly Buffer[];
  private readonly waitSound: readonly Buffer[];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
  ) {
    const { guards } = config;
    this.announcement = framesOf('FAILURE_ANNOUNCEMENT', guards.failureAnnouncement ?? BUNDLED_ANNOUNCEMENT);
    this.waitSound = guards.toolWaitSound ? framesOf('TOOL_WAIT_SOUND', guards.toolWaitSound) : defaultWaitSound();
    if (guards.failureAction.type === 'none') {
      logger.info('upstream failures end the call without an announcement (FAILURE_ACTION=none, or no AMI_URL set to carry out an action)');
    } else {
      logger.info(
        { failureAction: guards.failureAction, announcementMs: this.announcement.length * 20 },
        'upstream failures are announced, then acted on through AMI',
      );
    }
  }

  /**
   * How long before the end of a drain the calls still live are handed over (announcement, then
   * the AMI action), so that it is done when SHUTDOWN_GRACE_MS runs out; 0 without a failure action.
   */
  get windDownMs(): number {
    const { guards, tools } = this.config;
    if (guards.failureAction.type === 'none') return 0;
    return this.announcement.length * 20 + tools.amiTimeoutMs + WIND_DOWN_MARGIN_MS;
  }

  forCall(call: GuardedCall, signal: AbortSignal): CallGuards {
    const { tools, guards } = this.config;
    return new CallGuards(guards, call, { amiUrl: tools.amiUrl, timeoutMs: tools.amiTimeoutMs }, this.announcement, signal);
  }

  waitSoundFor(out: ConstructorParameters<typeof ToolWaitSound>[2], signal: AbortSignal): ToolWaitSound {
    return new ToolWaitSound(this.waitSound, this.config.guards.toolWaitSoundAfterMs, out, signal);
  }
}

/** Read at start-up: a bad file stops the service with the variable and the file named. */
function framesOf(variable: string, file: string): Buffer[] {
  try {
    return loadWavFrames(file);
  } catch (err) {
    throw new Error(`${variable}: ${errorText(err)}`, { cause: err });
  }
}
