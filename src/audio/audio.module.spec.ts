import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { AudioFactory } from './audio.factory.js';
import { AudioModule } from './audio.module.js';
import { Downsampler } from './downsampler.js';
import { Framer } from './framer.js';
import { Upsampler } from './upsampler.js';

describe('AudioModule', () => {
  it('provides a factory that gives every call its own converters and framer', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AudioModule] }).compile();
    const factory = moduleRef.get(AudioFactory);

    const a = factory.createUpsampler();
    const b = factory.createUpsampler();
    expect(a).toBeInstanceOf(Upsampler);
    expect(a).not.toBe(b);
    expect(factory.createDownsampler()).toBeInstanceOf(Downsampler);

    const framer = factory.createFramer();
    expect(framer).toBeInstanceOf(Framer);
    expect(framer.frameBytes).toBe(320);
    expect(factory.createFramer(160).frameBytes).toBe(160);

    // Independent state: a pending odd byte in one upsampler does not leak into another.
    a.process(Uint8Array.of(0x34));
    expect(b.process(Uint8Array.of(0x12, 0x00)).length).toBe(6);
    await moduleRef.close();
  });
});
