import { Module } from '@nestjs/common';
import { ToolRegistry } from './tool-registry.js';
import { ToolRunner } from './tool-runner.js';

/** Needs APP_CONFIG and ROOT_LOGGER (global modules). Start-up fails here when a tool file is bad. */
@Module({
  providers: [ToolRegistry, ToolRunner],
  exports: [ToolRegistry, ToolRunner],
})
export class ToolsModule {}
