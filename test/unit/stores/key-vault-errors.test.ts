import { strict as assert } from 'node:assert';
import { isSecretNotFound, translateKeyVaultError } from '../../../src/stores/key-vault-errors';

const ctx = {
  vaultUrl: 'https://myvault.vault.azure.net',
  secretName: 'feed-pat',
  operation: 'set secret',
  identity: "the identity of the Azure service connection 'prod'",
  secretNameInput: 'secretName',
};

const rest = (statusCode: number, code: string, inner?: string, message = 'text from the service') => ({
  name: 'RestError',
  statusCode,
  code,
  message,
  details: { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } },
});

describe('Key Vault error translation', () => {
  it('403 ForbiddenByRbac -> permission: grant Key Vault Secrets Officer on the vault', () => {
    const e = translateKeyVaultError(rest(403, 'Forbidden', 'ForbiddenByRbac'), ctx);
    assert.equal(e.kind, 'permission');
    assert.equal(e.code, 'ForbiddenByRbac');
    assert.match(e.hint!, /Key Vault Secrets Officer' on vault 'myvault'/);
    assert.match(e.hint!, /access policy with secret get and set/);
  });

  it('403 ForbiddenByFirewall -> permission with the network advice', () => {
    const e = translateKeyVaultError(rest(403, 'Forbidden', 'ForbiddenByFirewall'), ctx);
    assert.match(e.hint!, /firewall/);
  });

  it('409 ObjectIsDeletedButRecoverable -> recover or purge', () => {
    const e = translateKeyVaultError(rest(409, 'Conflict', 'ObjectIsDeletedButRecoverable'), ctx);
    assert.equal(e.code, 'ObjectIsDeletedButRecoverable');
    assert.equal(e.input, 'secretName');
    assert.match(e.hint!, /recover .*purge/);
  });

  it('credential failures -> auth naming the service connection, with the AADSTS code when present', () => {
    const e = translateKeyVaultError({ name: 'AuthenticationRequiredError', message: 'invalid_client: AADSTS7000222: expired secret' }, ctx);
    assert.equal(e.kind, 'auth');
    assert.equal(e.code, 'AADSTS7000222');
    assert.match(e.message, /service connection 'prod'/);
    assert.equal(translateKeyVaultError({ name: 'CredentialUnavailableError', message: 'no env' }, ctx).code, 'CredentialUnavailableError');
    assert.equal(translateKeyVaultError(rest(401, 'Unauthorized'), ctx).kind, 'auth');
  });

  it('400 -> input about names; 429/5xx -> retryable service; socket codes -> network', () => {
    assert.equal(translateKeyVaultError(rest(400, 'BadParameter'), ctx).kind, 'input');
    const throttled = translateKeyVaultError(rest(429, 'Throttled'), ctx);
    assert.equal(throttled.kind, 'service');
    assert.equal(throttled.retryable, true);
    const net = translateKeyVaultError({ name: 'RestError', code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND myvault.vault.azure.net' }, ctx);
    assert.equal(net.kind, 'network');
    assert.match(net.message, /myvault\.vault\.azure\.net/);
  });

  it('never copies the SDK message into its own', () => {
    const e = translateKeyVaultError(rest(500, 'InternalError', undefined, 'contains value=s3cr3t-value'), ctx);
    assert.ok(!e.describe().includes('s3cr3t-value'));
  });

  it('recognises SecretNotFound', () => {
    assert.equal(isSecretNotFound(rest(404, 'SecretNotFound')), true);
    assert.equal(isSecretNotFound(rest(403, 'Forbidden')), false);
  });
});
