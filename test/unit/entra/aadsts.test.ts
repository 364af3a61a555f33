import { strict as assert } from 'node:assert';
import { AADSTS_TABLE, aadstsNumber, entraRequestId, translateAadsts } from '../../../src/entra/aadsts';
import { translateEntraFailure } from '../../../src/entra/entra-errors';
import { PatLifecycleError, type ErrorKind } from '../../../src/errors';

const SECRET = '0.AAAA-refresh-token-value-that-must-never-show';

/** The expected kind and a word the hint must contain, per code. */
const EXPECTED: Record<string, { kind: ErrorKind; hint: RegExp; retryable?: boolean; input?: string }> = {
  '70008': { kind: 'auth', hint: /pat-lifecycle login/, input: 'refreshToken' },
  '700082': { kind: 'auth', hint: /pat-lifecycle login/, input: 'refreshToken' },
  '50173': { kind: 'auth', hint: /pat-lifecycle login/, input: 'refreshToken' },
  '700084': { kind: 'auth', hint: /public client/, input: 'refreshToken' },
  '50076': { kind: 'policy', hint: /exclude this app/ },
  '50079': { kind: 'policy', hint: /register security info/ },
  '50078': { kind: 'policy', hint: /multi-factor/ },
  '53003': { kind: 'policy', hint: /administrator/ },
  '53000': { kind: 'policy', hint: /exclude/ },
  '53001': { kind: 'policy', hint: /exclude/ },
  '70043': { kind: 'policy', hint: /sign-in frequency/ },
  '65001': { kind: 'permission', hint: /admin consent.*user_impersonation/ },
  '700016': { kind: 'input', hint: /clientId.*tenantId/, input: 'clientId' },
  '90002': { kind: 'input', hint: /tenantId/, input: 'tenantId' },
  '7000215': { kind: 'auth', hint: /clientSecret/, input: 'clientSecret' },
  '7000222': { kind: 'auth', hint: /new client secret/, input: 'clientSecret' },
  '7000218': { kind: 'input', hint: /clientSecret' or 'clientCertificate/, input: 'clientSecret' },
  '700025': { kind: 'input', hint: /Remove 'clientSecret'/, input: 'clientSecret' },
  '9002327': { kind: 'auth', hint: /public client|web redirect/, input: 'refreshToken' },
  '50020': { kind: 'auth', hint: /tenantId|invite/ },
  '50126': { kind: 'auth', hint: /account/ },
  '50055': { kind: 'auth', hint: /account/ },
  '50057': { kind: 'auth', hint: /account/ },
  '50053': { kind: 'auth', hint: /account/ },
  '90006': { kind: 'service', hint: /again/, retryable: true },
  '90033': { kind: 'service', hint: /again/, retryable: true },
  '50033': { kind: 'service', hint: /again/, retryable: true },
  '90024': { kind: 'service', hint: /again/, retryable: true },
};

/** Shaped like MSAL's ServerError: errorNo, a message that carries Entra's description, trace and correlation ids. */
function serverError(code: string, withErrorNo = true) {
  return {
    name: 'ServerError',
    errorCode: 'invalid_grant',
    errorNo: withErrorNo ? code : undefined,
    errorMessage: `Error(s): ${code} - Timestamp: 2026-01-01 - Description: AADSTS${code}: something about refresh_token=${SECRET}\r\nTrace ID: 11111111-2222-3333-4444-555555555555 - Correlation ID: 66666666-7777-8888-9999-000000000000 - Trace ID: 11111111-2222-3333-4444-555555555555`,
    message: `invalid_grant: AADSTS${code}: refresh_token=${SECRET}`,
  };
}

describe('AADSTS translation', () => {
  it('the table covers exactly the codes the product promises', () => {
    assert.deepEqual(Object.keys(AADSTS_TABLE).sort(), Object.keys(EXPECTED).sort());
  });

  for (const [code, expected] of Object.entries(EXPECTED)) {
    it(`AADSTS${code} -> ${expected.kind}`, () => {
      const err = translateAadsts(serverError(code));
      assert.ok(err instanceof PatLifecycleError);
      assert.equal(err.kind, expected.kind);
      assert.equal(err.code, `AADSTS${code}`);
      assert.match(err.hint ?? '', expected.hint);
      assert.equal(err.retryable, expected.retryable ?? false);
      assert.equal(err.input, expected.input);
      assert.equal(err.requestId, '11111111-2222-3333-4444-555555555555 (correlation 66666666-7777-8888-9999-000000000000)');
      assert.match(err.message, new RegExp(`AADSTS${code}`));
      for (const text of [err.message, err.hint ?? '', err.describe()]) assert.ok(!text.includes(SECRET), 'no secret in the message');
    });
  }

  it('the expired refresh token message says how to sign in again', () => {
    const err = translateAadsts(serverError('70008'))!;
    assert.match(err.message, /expired or was revoked/);
    assert.match(err.hint!, /pat-lifecycle login/);
  });

  it('falls back to AADSTSnnnn in the text when errorNo is missing, and accepts a numeric errorNo', () => {
    assert.equal(translateAadsts(serverError('50076', false))?.code, 'AADSTS50076');
    assert.equal(aadstsNumber({ errorNo: 70008 }), '70008');
    assert.equal(aadstsNumber({ message: 'nothing here' }), undefined);
  });

  it('classifies on the number, not on the MSAL error class', () => {
    const asInteraction = { ...serverError('70008'), name: 'InteractionRequiredAuthError', errorCode: 'interaction_required' };
    assert.equal(translateAadsts(asInteraction)?.kind, 'auth');
  });

  it('an unknown code is an auth error pointing at the error lookup page', () => {
    const err = translateAadsts(serverError('123456'))!;
    assert.equal(err.kind, 'auth');
    assert.equal(err.code, 'AADSTS123456');
    assert.match(err.hint!, /error\?code=123456/);
    assert.ok(!err.message.includes(SECRET));
  });

  it('reads traceId from InteractionRequiredAuthError fields', () => {
    assert.equal(entraRequestId({ traceId: 'abc', errorMessage: 'no ids' }), 'abc');
  });

  it('MSAL failures without an AADSTS code', () => {
    const ctx = { authorityHost: 'login.example.com' };
    const net = translateEntraFailure({ errorCode: 'network_error', message: 'Network request failed' }, ctx);
    assert.equal(net.kind, 'network');
    assert.match(net.message, /login\.example\.com/);
    assert.equal(translateEntraFailure({ errorCode: 'token_parsing_error' }, ctx).kind, 'service');
    assert.equal(translateEntraFailure({ errorCode: 'endpoints_resolution_error' }, ctx).kind, 'network');
    assert.equal(translateEntraFailure({ errorCode: 'authority_uri_insecure' }, ctx).kind, 'input');
    const temp = translateEntraFailure({ errorCode: 'temporarily_unavailable' }, ctx);
    assert.equal(temp.retryable, true);
    const recorded = new PatLifecycleError('network', 'ETIMEDOUT', 'timed out');
    assert.equal(translateEntraFailure({ errorCode: 'network_error' }, { ...ctx, networkError: recorded }), recorded);
  });
});
