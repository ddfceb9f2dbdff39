import { Module } from '@nestjs/common';
import { CallModule } from '../../call/call.module.js';
import { WsGateway } from './ws.gateway.js';

@Module({
  imports: [CallModule],
  providers: [WsGateway],
})
export class WsTransportModule {}
