import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { CallRegistry } from '../call/call-registry.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly calls: CallRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Liveness: answering at all proves the process and its event loop are alive; stays 200 while draining. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) })]);
  }

  /** Readiness: configured, not draining, and room for another call. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.indicators.check('config').up({ upstream: this.config.openai.realtimeUrl === 'simulator' ? 'simulator' : 'openai' }),
      () => {
        const session = this.indicators.check('calls');
        const data = { active: this.calls.size, limit: this.calls.limit, draining: this.calls.isDraining };
        return this.calls.admit().ok ? session.up(data) : session.down(data);
      },
    ]);
  }
}
