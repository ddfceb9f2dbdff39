export { Upsampler } from './upsampler.js';
export { Downsampler } from './downsampler.js';
export { Framer, DEFAULT_FRAME_BYTES } from './framer.js';
export { pcm16ToMulaw, mulawToPcm16, pcm16ToAlaw, alawToPcm16 } from './g711.js';
export { GROUP_DELAY, FILTER_TAPS, KAISER_BETA, RATIO, designThirdBandLowpass } from './third-band-filter.js';
export { IS_LITTLE_ENDIAN } from './pcm16.js';
export { AudioFactory } from './audio.factory.js';
export { AudioModule } from './audio.module.js';
