/**
 * A sample profile web service for AGENT_PROFILE_URL: two numbers, two agents.
 *   npm run profile-service -- --port 6040
 *   AGENT_PROFILE_URL=http://127.0.0.1:6040/profile npm start
 * Calls to 5001 get the sales agent, calls to 5002 the support agent, every other number 404
 * (the service then uses its next profile source, or the env defaults).
 */
import { readFileSync } from 'node:fs';
import { cli } from './cli.js';
import { SAMPLE_PROFILES, startProfileService } from './profile-service/server.js';

const USAGE = `usage: npm run profile-service -- [options]
  --port <n>          port to listen on (default: 6040)
  --host <addr>       interface to listen on (default: 127.0.0.1)
  --profiles <file>   JSON object of profiles by called number (default: the built-in 5001 and 5002)
  --auth <value>      require this Authorization header (set AGENT_PROFILE_AUTH_HEADER to the same)`;

const tool = cli('profile-service', USAGE);
const args = tool.parse({
  port: { type: 'string' },
  host: { type: 'string', default: '127.0.0.1' },
  profiles: { type: 'string' },
  auth: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
});

let profiles = SAMPLE_PROFILES;
if (args.profiles) {
  try {
    profiles = JSON.parse(readFileSync(args.profiles, 'utf8')) as Record<string, object>;
  } catch (err) {
    tool.fail(`cannot read ${args.profiles}: ${(err as Error).message}`);
  }
}

const running = await startProfileService({
  port: tool.number(args.port, 'port', 6040, 0, 65535),
  host: args.host ?? '127.0.0.1',
  profiles,
  authHeader: args.auth,
});
console.log(`profile service on ${running.url} for numbers ${Object.keys(profiles).join(', ')}`);
process.on('SIGINT', () => void running.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void running.close().then(() => process.exit(0)));
