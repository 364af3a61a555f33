/**
 * signInConnection in parseConfig, from plain RawInputs (no task-lib): the sign-in taken from the connection, its URL
 * as the authority, the store defaulting to the connection, and the sealed hand-over between steps of one job.
 */
import { strict as assert } from 'node:assert';
import { rawInputsFrom } from '../../../src/config/raw-inputs';
import { parseConfig } from '../../../src/config/parse-config';
import { InputErrors } from '../../../src/errors';
import { handoverVariableName, openHandover, sealHandover } from '../../../src/config/sign-in-handover';
import { secretsOf } from '../../../src/config/secrets';
import { CLIENT, NOW, REFRESH_TOKEN, TENANT } from './config-fixtures';

const ID = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';
const ROLLED = '1.AXoB' + 'r'.repeat(300) + '-Yy_8';

function rawWith(o: { inputs?: Record<string, string>; url?: string; auth?: Record<string, string>; variables?: Record<string, string> } = {}) {
  return rawInputsFrom({
    inputs: { action: 'list', signInConnection: ID, ...o.inputs },
    variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/', 'System.TeamProject': 'Proj', ...o.variables },
    endpoints: { [ID]: { url: o.url ?? 'https://login.microsoftonline.com/', scheme: 'None', auth: { tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN, ...o.auth } } },
  });
}

function problems(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputErrors) return err.errors.map((e) => e.describe()).join('\n');
    throw err;
  }
  assert.fail('expected input errors');
}

describe('config: signInConnection', () => {
  it('takes tenant, client and refresh token from the connection, its URL as the authority, and the connection as the store', () => {
    const c = parseConfig(rawWith(), NOW);
    assert.deepEqual(c.entra, { tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN });
    assert.equal(c.urls.authorityHost, 'https://login.microsoftonline.com');
    assert.equal(c.refreshTokenStore.kind, 'serviceConnection');
    if (c.refreshTokenStore.kind !== 'serviceConnection') return;
    assert.deepEqual(c.refreshTokenStore.connection, { project: 'Proj', nameOrId: ID.toLowerCase() });
    assert.equal(c.refreshTokenStore.handover.variable, 'PatLifecycle.SignIn.3f2504e04f8911d39a0c0305e82c3301');
    assert.ok(secretsOf(c).includes(REFRESH_TOKEN));
  });

  it('a sovereign cloud: the connection URL names its Entra host', () => {
    assert.equal(parseConfig(rawWith({ url: 'https://login.microsoftonline.us/' }), NOW).urls.authorityHost, 'https://login.microsoftonline.us');
  });

  it('signs in with the sealed token an earlier step handed over, and registers the job-start token too', () => {
    const sealed = sealHandover(REFRESH_TOKEN, ID, ROLLED);
    const c = parseConfig(rawWith({ variables: { [handoverVariableName(ID)]: sealed } }), NOW);
    assert.equal(c.entra.refreshToken, ROLLED);
    assert.ok(secretsOf(c).includes(REFRESH_TOKEN) && secretsOf(c).includes(ROLLED));
  });

  it('refuses a hand-over sealed for another connection or with another key', () => {
    const other = sealHandover(REFRESH_TOKEN, '00000000-0000-0000-0000-000000000000', ROLLED);
    assert.match(problems(() => parseConfig(rawWith({ variables: { [handoverVariableName(ID)]: other } }), NOW)), /its seal does not match/);
    const forged = sealHandover('a key the planter chose', ID, ROLLED);
    assert.match(problems(() => parseConfig(rawWith({ variables: { [handoverVariableName(ID)]: forged } }), NOW)), /its seal does not match/);
    assert.equal(openHandover(REFRESH_TOKEN, ID, `${sealHandover(REFRESH_TOKEN, ID, ROLLED)}x`), undefined, 'a changed token breaks the seal');
  });

  it('reports every sign-in input given beside it, and a missing parameter of the connection, all at once', () => {
    const text = problems(() => parseConfig(rawWith({ inputs: { tenantId: TENANT, clientCertificate: 'x' }, auth: { clientId: '' } }), NOW));
    assert.match(text, /Input 'signInConnection': is set together with tenantId, clientCertificate/);
    assert.match(text, /has no client ID/);
  });

  it('refuses a connection of another scheme, a URL off Microsoft Entra, and a store elsewhere', () => {
    assert.match(problems(() => parseConfig(rawInputsFrom({ inputs: { action: 'list', signInConnection: ID }, variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/', 'System.TeamProject': 'Proj' }, endpoints: { [ID]: { url: 'https://management.azure.com/', scheme: 'ServicePrincipal', auth: {} } } }), NOW)), /scheme 'ServicePrincipal'/);
    assert.match(problems(() => parseConfig(rawWith({ url: 'https://login.example.com/' }), NOW)), /'login\.example\.com' is not a Microsoft Entra sign-in host/);
    assert.match(problems(() => parseConfig(rawWith({ url: 'https://login.microsoftonline.com/common' }), NOW)), /not an https host alone/);
    assert.match(problems(() => parseConfig(rawWith({ inputs: { refreshTokenStore: 'none' } }), NOW)), /refreshTokenStore': is 'none', but the sign-in comes from signInConnection/);
  });

  it("refuses refreshTokenStore 'serviceConnection' without a connection", () => {
    const raw = rawInputsFrom({ inputs: { action: 'list', tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN, refreshTokenStore: 'serviceConnection' }, variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/' } });
    assert.match(problems(() => parseConfig(raw, NOW)), /'serviceConnection', but signInConnection is not set/);
  });
});
