/**
 * signInConnection: each way the connection or the step can be wrong is named with its fix, before any request; a
 * good connection gives the sign-in, its authority, its store and its hand-over.
 */
import { strict as assert } from 'node:assert';
import { generate } from 'selfsigned';
import { parseConfig } from '../../../src/config/parse-config';
import { rawInputsFrom, type RawInputs, type RawInputValues } from '../../../src/config/raw-inputs';
import { isSignInEndpointType, usesSignInConnection } from '../../../src/config/sign-in-connection';
import { handoverVariableName, sealHandover } from '../../../src/config/sign-in-handover';
import { InputErrors } from '../../../src/errors';
import type { Config } from '../../../src/config/types';
import { CLIENT, NOW, REFRESH_TOKEN, TENANT } from './config-fixtures';

const ID = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';
const WHERE = `the service connection signInConnection names (${ID})`;
const SEED = 'seed the connection again: `pat-lifecycle login --service-connection NAME`';

type Endpoint = NonNullable<RawInputValues['endpoints']>[string];

interface Setup {
  inputs?: Record<string, string | undefined>;
  endpoint?: Partial<Endpoint> | null;
  auth?: Record<string, string>;
  variables?: Record<string, string | undefined>;
}

function values(o: Setup = {}): RawInputValues {
  const endpoint: Endpoint = { url: 'https://login.microsoftonline.com/', scheme: 'None', ...o.endpoint, auth: { tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN, ...o.endpoint?.auth, ...o.auth } };
  return {
    inputs: { action: 'list', signInConnection: ID, ...o.inputs },
    variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/', 'System.TeamProject': 'Proj', ...o.variables },
    endpoints: o.endpoint === null ? {} : { [ID]: endpoint },
  };
}

const config = (o: Setup = {}): Config => parseConfig(rawInputsFrom(values(o)), NOW);

function problemsOf(raw: RawInputs): string[] {
  try {
    parseConfig(raw, NOW);
  } catch (err) {
    if (err instanceof InputErrors) return err.errors.map((e) => `${e.input}: ${e.message.replace(`Input '${e.input}': `, '')} | ${e.hint}`);
    throw err;
  }
  throw new Error('expected the inputs to be refused');
}

const problems = (o: Setup = {}) => problemsOf(rawInputsFrom(values(o)));

function only(list: string[], input: string, ...fragments: string[]): void {
  const found = list.filter((l) => l.startsWith(`${input}: `));
  assert.equal(found.length, 1, `expected one problem for ${input}, got:\n${list.join('\n')}`);
  for (const f of fragments) assert.ok(found[0]!.includes(f), `expected ${input} ~ ${f}, got: ${found[0]}`);
}

describe('signInConnection: recognising it', () => {
  it('knows the released and the dev endpoint type, in any case, and nothing else', () => {
    assert.equal(isSignInEndpointType('patlifecycle-signin'), true);
    assert.equal(isSignInEndpointType('PatLifecycle-SignIn-Dev'), true);
    assert.equal(isSignInEndpointType('patlifecycle-signin-test'), false);
    assert.equal(isSignInEndpointType('azurerm'), false);
  });

  it('is used when the input holds something besides blanks', () => {
    assert.equal(usesSignInConnection(rawInputsFrom({ inputs: { signInConnection: ID } })), true);
    assert.equal(usesSignInConnection(rawInputsFrom({ inputs: { signInConnection: '  ' } })), false);
    assert.equal(usesSignInConnection(rawInputsFrom({ inputs: {} })), false);
  });
});

describe('signInConnection: a good connection', () => {
  let certPem = '';
  let keyPem = '';
  before(async () => {
    const pair = await generate([{ name: 'commonName', value: 'sign-in' }], { keyType: 'ec', notAfterDate: new Date('2030-01-01T00:00:00Z') });
    certPem = pair.cert;
    keyPem = pair.private;
  });

  it('gives the connection, by lower-case id in the pipeline project, as the store with its hand-over', () => {
    const c = config({ endpoint: { scheme: undefined } });
    assert.deepEqual(c.refreshTokenStore, {
      kind: 'serviceConnection',
      connection: { project: 'Proj', nameOrId: ID.toLowerCase() },
      handover: { variable: handoverVariableName(ID), key: REFRESH_TOKEN, connectionId: ID.toLowerCase() },
    });
  });

  it("takes the connection's client secret, or its certificate", () => {
    assert.deepEqual(config({ auth: { clientSecret: 'app-secret-value' }, endpoint: { scheme: 'none' } }).entra, { tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN, clientSecret: 'app-secret-value' });
    const cert = config({ auth: { clientCertificate: certPem + keyPem } }).entra.clientCertificate;
    assert.ok(cert?.certificatePem.startsWith('-----BEGIN CERTIFICATE-----'));
    assert.match(cert?.thumbprintSha256 ?? '', /^[0-9a-f]{64}$/);
  });

  it("accepts refreshTokenStore serviceConnection in any case, and the connection's own URL with or without a slash", () => {
    assert.equal(config({ inputs: { refreshTokenStore: 'ServiceConnection' } }).refreshTokenStore.kind, 'serviceConnection');
    assert.equal(config({ endpoint: { url: 'https://login.microsoftonline.us' } }).urls.authorityHost, 'https://login.microsoftonline.us');
  });

  it('a blank hand-over variable means no earlier step rolled the token', () => {
    assert.equal(config({ variables: { [handoverVariableName(ID)]: ' ' } }).entra.refreshToken, REFRESH_TOKEN);
  });

  it('the hand-over opens with the lower-case id, whatever case the input gives', () => {
    const rolled = '1.AXoC' + 'z'.repeat(100);
    const sealed = sealHandover(REFRESH_TOKEN, ID.toLowerCase(), rolled);
    assert.equal(config({ variables: { [handoverVariableName(ID)]: sealed } }).entra.refreshToken, rolled);
  });

  it('PatLifecycle.AuthorityHost naming the same host as the connection is fine; only that override is compared', () => {
    assert.equal(config({ variables: { 'PatLifecycle.AuthorityHost': 'https://login.microsoftonline.com/' } }).urls.authorityHost, 'https://login.microsoftonline.com');
    const c = config({ endpoint: { url: 'https://login.microsoftonline.us/' }, variables: { 'PatLifecycle.VsspsUrl': 'https://vssps.dev.azure.com' } });
    assert.equal(c.urls.authorityHost, 'https://login.microsoftonline.us');
  });
});

describe('signInConnection: refused', () => {
  it('beside any of the direct sign-in inputs, the plain ones read as inputs and the secret ones as secrets', () => {
    const base = values();
    const plain = { ...base.inputs, tenantId: TENANT, clientId: CLIENT };
    const secrets: Record<string, string> = { refreshToken: REFRESH_TOKEN, clientCertificate: 'pem' };
    const inner = rawInputsFrom({ ...base, inputs: plain });
    // The agent reads a secret input without echo: here only secretInput knows the secret ones, only input the rest.
    const raw: RawInputs = { ...inner, secretInput: (name) => secrets[name], input: (name) => (name in secrets ? undefined : inner.input(name)) };
    only(problemsOf(raw), 'signInConnection', 'is set together with tenantId, clientId, refreshToken, clientCertificate: the sign-in comes either from the service connection or from those inputs', 'remove tenantId, clientId, refreshToken, clientCertificate from the step', 'or remove signInConnection to sign in with the inputs');
    only(problems({ inputs: { clientId: CLIENT, clientSecret: 's' } }), 'signInConnection', 'is set together with clientId, clientSecret:');
  });

  it('an unexpanded macro: that one problem, and no store problem after it', () => {
    const list = problems({ inputs: { signInConnection: '$(SignIn)' } });
    only(list, 'signInConnection', "no variable named 'SignIn'");
    assert.equal(list.length, 1, list.join('\n'));
  });

  it('a connection the agent did not hand over: named, with how to make and authorize one', () => {
    const list = problems({ endpoint: null });
    only(list, 'signInConnection', `names ${ID}, but the agent handed this step no such service connection`, "type 'PAT Lifecycle sign-in'", 'pat-lifecycle login --service-connection NAME');
    assert.equal(list.length, 1, list.join('\n'));
  });

  it('outside a project', () => {
    const list = problems({ variables: { 'System.TeamProject': undefined } });
    only(list, 'signInConnection', 'needs the project of the service connection, but System.TeamProject is not set', 'run the task in a pipeline of the project that owns the connection');
    assert.equal(list.length, 1, list.join('\n'));
  });

  it('another scheme: that alone is said, nothing about its parameters', () => {
    const list = problems({ endpoint: { scheme: 'ServicePrincipal', url: undefined, auth: {} }, auth: { tenantId: '', clientId: '', refreshToken: '' } });
    only(list, 'signInConnection', `${WHERE} has the authorization scheme 'ServicePrincipal', not the PAT Lifecycle sign-in's`, 'created by `pat-lifecycle login --service-connection NAME`');
    assert.equal(list.length, 1, list.join('\n'));
  });

  it('a URL that is missing, not a URL, or more than an https host', () => {
    only(problems({ endpoint: { url: undefined } }), 'signInConnection', `${WHERE} has no URL`, 'e.g. https://login.microsoftonline.com/');
    only(problems({ endpoint: { url: 'login dot com' } }), 'signInConnection', `${WHERE} has the URL 'login dot com', which is not a URL`, "your cloud's Microsoft Entra sign-in host");
    for (const [url, shown] of [
      ['http://login.microsoftonline.com/', 'http://login.microsoftonline.com/'],
      ['https://user@login.microsoftonline.com/', 'https://login.microsoftonline.com/'],
      ['https://:pw@login.microsoftonline.com/', 'https://login.microsoftonline.com/'],
      ['https://login.microsoftonline.com/?tenant=x', 'https://login.microsoftonline.com/'],
      ['https://login.microsoftonline.com/#x', 'https://login.microsoftonline.com/'],
      ['https://login.microsoftonline.com/organizations', 'https://login.microsoftonline.com/organizations'],
    ]) {
      only(problems({ endpoint: { url } }), 'signInConnection', `${WHERE} has the URL '${shown}', not an https host alone`, 'Microsoft Entra sign-in host');
    }
  });

  it('a URL off the Microsoft Entra sign-in hosts', () => {
    only(problems({ endpoint: { url: 'https://login.example.com/' } }), 'signInConnection', `${WHERE}: 'login.example.com' is not a Microsoft Entra sign-in host`, "edit the connection's URL, or remove the override");
  });

  it('PatLifecycle.AuthorityHost naming another host than the connection', () => {
    const list = problems({ variables: { 'PatLifecycle.AuthorityHost': 'https://login.microsoftonline.us' } });
    only(list, 'PatLifecycle.AuthorityHost', "names login.microsoftonline.us, but the sign-in connection's URL names login.microsoftonline.com", 'remove the variable PatLifecycle.AuthorityHost');
  });

  it('missing or bad tenant and client, with how to seed the connection again', () => {
    const missing = problems({ auth: { tenantId: '', clientId: ' ' } });
    assert.ok(missing.includes(`signInConnection: ${WHERE} has no tenant ID | ${SEED}`), missing.join('\n'));
    assert.ok(missing.includes(`signInConnection: ${WHERE} has no client ID | ${SEED}`), missing.join('\n'));
    assert.equal(missing.length, 2, missing.join('\n'));
    const bad = problems({ auth: { tenantId: 'not a tenant', clientId: 'abc' } });
    assert.ok(bad.some((l) => l.startsWith("signInConnection: 'not a tenant' is neither a tenant ID")), bad.join('\n'));
    assert.ok(bad.some((l) => l.startsWith("signInConnection: 'abc' is not a GUID | give the application (client) ID")), bad.join('\n'));
  });

  it('both a client secret and a certificate', () => {
    const list = problems({ auth: { clientSecret: 's', clientCertificate: 'not a certificate!' } });
    assert.ok(list.includes(`signInConnection: ${WHERE} holds both a client secret and a client certificate | edit the connection and clear one of them`), list.join('\n'));
    assert.ok(list.some((l) => l.includes('is neither PEM nor base64 of a PEM')), list.join('\n'));
  });

  it('no refresh token, or one that is not a refresh token', () => {
    const list = problems({ auth: { refreshToken: '' } });
    assert.deepEqual(list, [`signInConnection: is required | ${SEED}`]);
    only(problems({ auth: { refreshToken: 'dip55dwf4vpitomw63jzvomefmi2jluguprzwwqwuc6xq4fhocwq' } }), 'signInConnection', 'holds a personal access token');
  });

  it('a hand-over variable this connection did not seal, naming the variable', () => {
    const variable = handoverVariableName(ID);
    only(problems({ variables: { [variable]: 'plsi1.forged.1.AXoZ' } }), 'signInConnection', `the job variable ${variable} is set, but not by this task for this connection`, `remove whatever sets ${variable}`);
  });

  it('a store other than the connection', () => {
    only(problems({ inputs: { refreshTokenStore: 'keyVault' } }), 'refreshTokenStore', "is 'keyVault', but the sign-in comes from signInConnection", "set refreshTokenStore to 'serviceConnection' (or leave it out)");
  });
});
