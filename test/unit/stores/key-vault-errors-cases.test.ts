/**
 * translateKeyVaultError case by case: which kind, code, message facts and fix each failure of the Key Vault SDK or
 * @azure/identity becomes, and what isSecretNotFound / isSecretDisabled recognise.
 */
import { strict as assert } from 'node:assert';
import { PatLifecycleError } from '../../../src/errors';
import { TIMEOUT_SETTING_HINT } from '../../../src/http/transport-errors';
import { isSecretDisabled, isSecretNotFound, SERVICE_CONNECTION_ADVICE, translateKeyVaultError, type CredentialAdvice } from '../../../src/stores/key-vault-errors';

const ctx = {
  vaultUrl: 'https://myvault.vault.azure.net',
  secretName: 'feed-pat',
  operation: 'set secret',
  identity: 'the identity of connection prod',
  secretNameInput: 'refreshTokenSecretName',
};

const CLI_ADVICE: CredentialAdvice = {
  signIn: 'cli: sign in again',
  unavailable: 'cli: run az login',
  tenant: 'cli: pick the vault tenant',
  rerun: 'Run the command again',
};

const rest = (statusCode: number, code: string | undefined, inner?: string, message = 'text from the service') => ({
  name: 'RestError',
  statusCode,
  ...(code !== undefined ? { code } : {}),
  message,
  details: { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } },
});

const withRequestId = <T extends object>(e: T, id: string) => ({ ...e, response: { headers: { get: (n: string) => (n === 'x-ms-request-id' ? id : undefined) } } });

describe('Key Vault error translation, case by case', () => {
  it('passes a PatLifecycleError through unchanged', () => {
    const own = new PatLifecycleError('input', 'Mine', 'already ours');
    assert.equal(translateKeyVaultError(own, ctx), own);
  });

  it('keeps the status, the request id and the cause on every translation', () => {
    const raw = withRequestId(rest(404, 'SecretNotFound'), 'req-123');
    const e = translateKeyVaultError(raw, ctx);
    assert.equal(e.status, 404);
    assert.equal(e.requestId, 'req-123');
    assert.equal(e.cause, raw);
    assert.match(e.describe(), /request id req-123/);
    assert.equal(translateKeyVaultError(rest(404, 'SecretNotFound'), ctx).requestId, undefined);
  });

  describe('credential failures', () => {
    it('an AADSTS code in the message becomes the code, named in the message with the identity', () => {
      const e = translateKeyVaultError({ name: 'AuthenticationError', message: 'AADSTS700016: app not found' }, ctx);
      assert.equal(e.kind, 'auth');
      assert.equal(e.code, 'AADSTS700016');
      assert.equal(e.message, 'the identity of connection prod could not sign in to Microsoft Entra for Key Vault (AADSTS700016).');
      assert.equal(e.hint, SERVICE_CONNECTION_ADVICE.signIn);
    });

    it('without an AADSTS code the error name is the code', () => {
      const e = translateKeyVaultError({ name: 'AggregateAuthenticationError', message: 'all failed' }, ctx);
      assert.equal(e.code, 'AggregateAuthenticationError');
      assert.match(e.message, /for Key Vault \(AggregateAuthenticationError\)\.$/);
      assert.equal(e.hint, SERVICE_CONNECTION_ADVICE.signIn);
    });

    it('a credential that is unavailable here gets the unavailable advice, a failed one the sign-in advice (the caller\'s words)', () => {
      assert.equal(translateKeyVaultError({ name: 'CredentialUnavailableError', message: 'no env' }, ctx).hint, SERVICE_CONNECTION_ADVICE.unavailable);
      assert.equal(translateKeyVaultError({ name: 'CredentialUnavailableError' }, { ...ctx, advice: CLI_ADVICE }).hint, 'cli: run az login');
      assert.equal(translateKeyVaultError({ name: 'AuthenticationRequiredError' }, { ...ctx, advice: CLI_ADVICE }).hint, 'cli: sign in again');
    });

    it('a name that is not text is no credential failure', () => {
      const e = translateKeyVaultError({ name: ['AuthenticationError'], statusCode: 503 }, ctx);
      assert.equal(e.kind, 'service');
    });
  });

  it('401: the vault refused the token of the identity; the tenant advice', () => {
    const e = translateKeyVaultError(rest(401, 'Unauthorized'), ctx);
    assert.equal(e.kind, 'auth');
    assert.equal(e.code, 'Unauthorized');
    assert.equal(e.message, "Key Vault myvault.vault.azure.net did not accept the token of the identity of connection prod ('set secret').");
    assert.equal(e.hint, SERVICE_CONNECTION_ADVICE.tenant);
    assert.equal(translateKeyVaultError({ statusCode: 401 }, { ...ctx, advice: CLI_ADVICE }).code, 'HTTP 401');
    assert.equal(translateKeyVaultError({ statusCode: 401 }, { ...ctx, advice: CLI_ADVICE }).hint, 'cli: pick the vault tenant');
  });

  describe('403', () => {
    it('names the identity, the operation and the secret; the innermost Forbidden code is the code', () => {
      const e = translateKeyVaultError(rest(403, 'Forbidden', 'ForbiddenByPolicy'), ctx);
      assert.equal(e.kind, 'permission');
      assert.equal(e.code, 'ForbiddenByPolicy');
      assert.equal(e.message, "the identity of connection prod may not 'set secret' on Key Vault secret 'feed-pat' in myvault.vault.azure.net.");
      assert.equal(e.hint, "Grant the identity of connection prod the role 'Key Vault Secrets Officer' on vault 'myvault' (or, with access policies, an access policy with secret get and set).");
    });

    it('an inner code that is not a Forbidden one is not the code: the outer Forbidden is', () => {
      assert.equal(translateKeyVaultError(rest(403, 'Forbidden', 'SomethingElse'), ctx).code, 'Forbidden');
    });

    it('without any inner code: the outer code, else HTTP 403', () => {
      assert.equal(translateKeyVaultError({ statusCode: 403, code: 'AccessDenied' }, ctx).code, 'AccessDenied');
      assert.equal(translateKeyVaultError({ statusCode: 403 }, ctx).code, 'HTTP 403');
    });

    it('a private-endpoint refusal gets the network advice, as a firewall refusal does', () => {
      const e = translateKeyVaultError(rest(403, 'Forbidden', 'ForbiddenByConnection'), ctx);
      assert.equal(e.code, 'ForbiddenByConnection');
      assert.equal(e.hint, "The vault's firewall blocks the agent: allow the agent's network on vault 'myvault' (Networking), or use a self-hosted agent inside it.");
      assert.match(translateKeyVaultError(rest(403, 'Forbidden', 'ForbiddenByFirewall'), ctx).hint!, /firewall blocks the agent/);
    });

    it('finds the inner code in the message when the details lack it', () => {
      const e = translateKeyVaultError({ name: 'RestError', statusCode: 403, code: 'Forbidden', message: 'Caller is not authorized. InnerError={"code":"ForbiddenByFirewall"}' }, ctx);
      assert.equal(e.code, 'ForbiddenByFirewall');
      assert.match(e.hint!, /firewall/);
    });

    it('finds each known inner code in the message alone', () => {
      const fromMessage = (code: string, statusCode = 403) => translateKeyVaultError({ name: 'RestError', statusCode, message: `refused: ${code}` }, ctx);
      assert.equal(fromMessage('ForbiddenByRbac').code, 'ForbiddenByRbac');
      assert.equal(fromMessage('ForbiddenByPolicy').code, 'ForbiddenByPolicy');
      assert.match(fromMessage('ForbiddenByConnection').hint!, /firewall blocks the agent/);
      assert.equal(fromMessage('ObjectIsDeletedButRecoverable', 409).code, 'ObjectIsDeletedButRecoverable');
    });

    it('details that are null, or a status that is not a number, give no codes and no status', () => {
      assert.equal(translateKeyVaultError({ statusCode: 403, details: null }, ctx).code, 'HTTP 403');
      const text = translateKeyVaultError({ statusCode: '403', code: 'Forbidden' }, ctx);
      assert.equal(text.kind, 'service');
      assert.equal(text.status, undefined);
    });

    it('reads innerError spelled in camel case, and details given without the error wrapper', () => {
      const camel = { statusCode: 403, details: { error: { code: 'Forbidden', innerError: { code: 'ForbiddenByRbac' } } } };
      assert.equal(translateKeyVaultError(camel, ctx).code, 'ForbiddenByRbac');
      const bare = { statusCode: 403, details: { code: 'Forbidden', innererror: { code: 'ForbiddenByPolicy' } } };
      assert.equal(translateKeyVaultError(bare, ctx).code, 'ForbiddenByPolicy');
    });

    it('follows the inner errors five levels deep, no deeper', () => {
      const nest = (codes: string[]): unknown => (codes.length === 0 ? undefined : { code: codes[0], innererror: nest(codes.slice(1)) });
      const five = { statusCode: 403, details: { error: nest(['Forbidden', 'A', 'B', 'C', 'ForbiddenByRbac']) } };
      assert.equal(translateKeyVaultError(five, ctx).code, 'ForbiddenByRbac');
      const six = { statusCode: 403, details: { error: nest(['Forbidden', 'A', 'B', 'C', 'D', 'ForbiddenByRbac']) } };
      assert.equal(translateKeyVaultError(six, ctx).code, 'Forbidden');
    });
  });

  describe('409', () => {
    it('a soft-deleted secret is an input error on the secret name input, with the recover command', () => {
      const e = translateKeyVaultError(rest(409, 'Conflict', 'ObjectIsDeletedButRecoverable'), ctx);
      assert.equal(e.kind, 'input');
      assert.equal(e.input, 'refreshTokenSecretName');
      assert.equal(e.message, "Key Vault secret 'feed-pat' in myvault.vault.azure.net is soft-deleted: its name cannot be used until it is recovered or purged.");
      assert.equal(e.hint, "Recover the secret (az keyvault secret recover --vault-name myvault --name feed-pat) or purge it, or choose another 'refreshTokenSecretName'.");
    });

    it('another conflict is a plain service failure', () => {
      const e = translateKeyVaultError(rest(409, 'Conflict'), ctx);
      assert.equal(e.kind, 'service');
      assert.equal(e.code, 'Conflict');
    });
  });

  it('400: the vault refused the operation for the secret, an input error on the secret name input', () => {
    const e = translateKeyVaultError(rest(400, 'BadParameter'), ctx);
    assert.equal(e.kind, 'input');
    assert.equal(e.code, 'BadParameter');
    assert.equal(e.input, 'refreshTokenSecretName');
    assert.equal(e.message, "Key Vault myvault.vault.azure.net refused 'set secret' for secret 'feed-pat' (BadParameter).");
    assert.match(e.hint!, /1-127 letters, digits and hyphens; tags are at most 15/);
    const bare = translateKeyVaultError({ statusCode: 400 }, ctx);
    assert.equal(bare.code, 'HTTP 400');
    assert.match(bare.message, /\(HTTP 400\)\.$/);
  });

  it('404: not found, naming the secret and the operation; HTTP 404 without a code', () => {
    const e = translateKeyVaultError(rest(404, 'SecretNotFound'), ctx);
    assert.equal(e.kind, 'notFound');
    assert.equal(e.code, 'SecretNotFound');
    assert.equal(e.message, "Key Vault secret 'feed-pat' in myvault.vault.azure.net was not found ('set secret').");
    assert.match(e.hint!, /vault URL and the secret name/);
    assert.equal(translateKeyVaultError({ statusCode: 404 }, ctx).code, 'HTTP 404');
  });

  describe('passing failures', () => {
    it('429 and 5xx: retryable service failures, with the caller\'s advice to try again later', () => {
      for (const status of [429, 500, 503]) {
        const e = translateKeyVaultError({ statusCode: status }, ctx);
        assert.equal(e.kind, 'service', String(status));
        assert.equal(e.retryable, true, String(status));
        assert.equal(e.code, `HTTP ${status}`);
        assert.equal(e.message, `Key Vault myvault.vault.azure.net could not 'set secret' (HTTP ${status}) after retries.`);
        assert.equal(e.hint, 'Run the pipeline again later.');
      }
      assert.equal(translateKeyVaultError(rest(503, 'ServiceUnavailable'), { ...ctx, advice: CLI_ADVICE }).code, 'ServiceUnavailable');
      assert.equal(translateKeyVaultError(rest(503, 'ServiceUnavailable'), { ...ctx, advice: CLI_ADVICE }).hint, 'Run the command again later.');
    });

    it('another status below 500 is not retryable', () => {
      const e = translateKeyVaultError(rest(499, 'ClientClosed'), ctx);
      assert.equal(e.retryable, false);
      assert.equal(e.kind, 'service');
    });

    it('an aborted request is a timeout, with the limit in seconds and the setting that raises it', () => {
      const e = translateKeyVaultError({ name: 'AbortError', message: 'The operation was aborted.' }, { ...ctx, timeoutMs: 12_345 });
      assert.equal(e.kind, 'network');
      assert.equal(e.code, 'ETIMEDOUT');
      assert.equal(e.retryable, true);
      assert.equal(e.message, "The request to Key Vault myvault.vault.azure.net timed out after 12.3 s: 'set secret'.");
      assert.equal(e.hint, TIMEOUT_SETTING_HINT);
      assert.equal(translateKeyVaultError({ name: 'AbortError' }, ctx).message, "The request to Key Vault myvault.vault.azure.net timed out: 'set secret'.");
    });

    it('a send error that says it timed out is a timeout; one that does not is a network failure by its code', () => {
      for (const message of ['socket timeout', 'Request TIMED OUT', 'request aborted']) {
        assert.equal(translateKeyVaultError({ name: 'RestError', code: 'REQUEST_SEND_ERROR', message }, ctx).code, 'ETIMEDOUT', message);
      }
      const other = translateKeyVaultError({ name: 'RestError', code: 'REQUEST_SEND_ERROR', message: 'socket hang up' }, ctx);
      assert.equal(other.kind, 'network');
      assert.equal(other.code, 'REQUEST_SEND_ERROR');
      assert.equal(other.retryable, true);
      assert.equal(other.message, "Could not reach Key Vault myvault.vault.azure.net ('set secret', REQUEST_SEND_ERROR).");
      assert.match(other.hint!, /proxy settings, the vault's firewall and private endpoints/);
      assert.equal(translateKeyVaultError({ name: 'RestError', code: 'REQUEST_SEND_ERROR' }, ctx).code, 'REQUEST_SEND_ERROR');
    });

    it('only socket-like codes (E and capitals) are network failures', () => {
      assert.equal(translateKeyVaultError({ code: 'ECONNRESET' }, ctx).kind, 'network');
      assert.equal(translateKeyVaultError({ code: 'ECONNRESET2' }, ctx).kind, 'service');
      assert.equal(translateKeyVaultError({ code: 'XECONNRESET' }, ctx).kind, 'service');
      assert.equal(translateKeyVaultError({ code: 'Error' }, ctx).kind, 'service');
    });
  });

  it("a challenge for another resource is refused as a wrong vault URL on input 'keyVault'", () => {
    const e = translateKeyVaultError({ name: 'Error', message: 'The Challenge Resource https://evil.example does not match the domain' }, ctx);
    assert.equal(e.kind, 'input');
    assert.equal(e.code, 'ChallengeResourceMismatch');
    assert.equal(e.input, 'keyVault');
    assert.match(e.message, /^Key Vault myvault\.vault\.azure\.net asked for a token for another resource/);
    assert.match(e.hint!, /vault's real URL/);
  });

  it('anything else: a service failure named by its code, else its name, else KeyVaultError', () => {
    const coded = translateKeyVaultError({ name: 'RestError', code: 'WeirdThing', message: 'x' }, ctx);
    assert.equal(coded.kind, 'service');
    assert.equal(coded.code, 'WeirdThing');
    assert.equal(coded.retryable, false);
    assert.equal(coded.message, "Key Vault myvault.vault.azure.net: 'set secret' failed (WeirdThing).");
    const named = translateKeyVaultError(new TypeError('boom'), ctx);
    assert.equal(named.code, 'TypeError');
    assert.equal(named.message, "Key Vault myvault.vault.azure.net: 'set secret' failed (TypeError).");
    const nothing = translateKeyVaultError(undefined, ctx);
    assert.equal(nothing.code, 'KeyVaultError');
    assert.equal(nothing.message, "Key Vault myvault.vault.azure.net: 'set secret' failed (unknown error).");
  });
});

describe('recognising a missing or a disabled secret', () => {
  it('404 with SecretNotFound (outer or inner) or with no code at all is a missing secret', () => {
    assert.equal(isSecretNotFound(rest(404, 'SecretNotFound')), true);
    assert.equal(isSecretNotFound({ statusCode: 404, code: 'NotFound', details: { error: { code: 'NotFound', innererror: { code: 'SecretNotFound' } } } }), true);
    assert.equal(isSecretNotFound({ statusCode: 404 }), true);
  });

  it('a 404 about something else (the vault), another status, or nothing is not', () => {
    assert.equal(isSecretNotFound(rest(404, 'VaultNotFound')), false);
    assert.equal(isSecretNotFound({ statusCode: 400, code: 'SecretNotFound' }), false);
    assert.equal(isSecretNotFound(undefined), false);
    assert.equal(isSecretNotFound(null), false);
  });

  it('a disabled version is a 403 whose inner code is SecretDisabled', () => {
    assert.equal(isSecretDisabled(rest(403, 'Forbidden', 'SecretDisabled')), true);
    assert.equal(isSecretDisabled({ statusCode: 403, message: 'Operation get is not allowed on a disabled secret. SecretDisabled' }), true);
    assert.equal(isSecretDisabled(rest(403, 'Forbidden', 'ForbiddenByRbac')), false);
    assert.equal(isSecretDisabled(rest(401, 'Unauthorized', 'SecretDisabled')), false);
    assert.equal(isSecretDisabled(undefined), false);
  });
});
