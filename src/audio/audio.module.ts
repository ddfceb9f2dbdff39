import { Module } from '@nestjs/common';
import { AudioFactory } from './audio.factory.js';

@Module({
  providers: [AudioFactory],
  exports: [AudioFactory],
})
export class AudioModule {}
