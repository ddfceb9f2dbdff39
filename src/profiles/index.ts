/**
 * Per-call agent profiles. The call engine uses this module through CallProfile (call-profile.ts),
 * which does these steps once per call:
 *   1. metadata = the call's query parameters plus its init fields (provider_config among them);
 *   2. if !profiles.mayChangeConnection(), open the upstream with the env defaults meanwhile;
 *   3. profile = await profiles.resolve({ uuid, transport, metadata }, callLogger) (never throws);
 *      when profile.changesConnection, connect with profile.openai.model and profile.interface;
 *   4. instructions = profiles.instructionsFor(profile, await instructionsService.resolve(uuid, callLogger), callLogger);
 *   5. build the session from profile.openai (the env's shape), offering only the tools in
 *      profile.tools when set, plus profile.prompt, outputSpeed, transcriptionKeywords, greetingMode;
 *   6. the call record and the call's log line carry profile.name, .version and .source (never
 *      profile.placeholders, which hold call metadata, nor the instructions).
 */
export * from './agent-profile.js';
export * from './profile-source.js';
export * from './profile.service.js';
export * from './profiles.module.js';
export type { ResolvedProfile } from './resolved-profile.js';
export { metadataForRecords } from './call-profile.js';
