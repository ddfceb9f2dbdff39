import { describeRequestError } from './get-json-capped.js';

// DNS failures cannot be produced reliably against a real resolver in a test, so the mapping of
// the error codes Node's resolver gives is checked here; the other failures are exercised against
// a real server in instructions.service.spec.ts.
describe('describeRequestError', () => {
  const errno = (code: string) => Object.assign(new Error(`getaddrinfo ${code} instructions.example`), { code });

  it.each(['ENOTFOUND', 'EAI_AGAIN'])('names a DNS failure (%s)', (code) => {
    expect(describeRequestError(errno(code))).toBe(`DNS lookup failed (${code})`);
  });

  it('names a refused connection', () => {
    expect(describeRequestError(errno('ECONNREFUSED'))).toBe('connection refused');
  });

  it('keeps the code of anything else', () => {
    expect(describeRequestError(errno('CERT_HAS_EXPIRED'))).toBe('request failed: CERT_HAS_EXPIRED');
  });
});
