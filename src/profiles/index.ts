export * from './agent-profile.js';
export * from './profile-source.js';
export * from './profile.service.js';
export * from './profiles.module.js';
export type { ResolvedProfile, GuardSettings } from './resolved-profile.js';
export { validateProfile, PROFILE_FIELDS } from './profile-schema.js';
