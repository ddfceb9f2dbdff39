export { Upsampler } from './upsampler.js';
export { Downsampler } from './downsampler.js';
export { Framer } from './framer.js';
export { pcm16ToMulaw, mulawToPcm16 } from './g711.js';
export { AudioFactory } from './audio.factory.js';
