import { Module } from '@nestjs/common';
import { CallModule } from '../../call/call.module.js';
import { SpeechStreamController } from './speech-stream.controller.js';

@Module({
  imports: [CallModule],
  controllers: [SpeechStreamController],
})
export class HttpTransportModule {}
