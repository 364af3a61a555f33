import { strict as assert } from 'node:assert';
import { lowerKeys, rawInputsFrom, variableKey } from '../../../src/config/raw-inputs';

describe('raw inputs over plain objects (the command-line tool, tests)', () => {
  it("names a variable as the agent's environment does: dots and spaces to _, upper case", () => {
    assert.equal(variableKey('System.Collection Uri.x'), 'SYSTEM_COLLECTION_URI_X');
    assert.equal(variableKey('a.b.c d e'), 'A_B_C_D_E', 'every dot and space');
    assert.equal(variableKey('plain'), 'PLAIN');
  });

  it('finds inputs and variables whatever the case, dots or underscores', () => {
    const raw = rawInputsFrom({ inputs: { TenantId: 't', 'my.input': 'm' }, variables: { 'System.CollectionUri': 'https://dev.azure.com/c', AGENT_PROXYURL: 'http://p:1' } });
    assert.equal(raw.input('tenantid'), 't');
    assert.equal(raw.input('MY_INPUT'), 'm');
    assert.equal(raw.variable('SYSTEM_COLLECTIONURI'), 'https://dev.azure.com/c');
    assert.equal(raw.variable('Agent.ProxyUrl'), 'http://p:1');
    assert.equal(raw.variable('Agent.ProxyUsername'), undefined);
    assert.equal(raw.input('clientId'), undefined);
    assert.equal(rawInputsFrom({}).input('x'), undefined, 'no inputs at all');
    assert.equal(rawInputsFrom({}).variable('x'), undefined, 'no variables at all');
  });

  it('gives numbers and booleans as text, the same through secretInput; an absent one stays absent', () => {
    const raw = rawInputsFrom({ inputs: { lifetimeDays: 30, dryRun: false, empty: '', gone: undefined } });
    assert.equal(raw.input('lifetimeDays'), '30');
    assert.equal(raw.input('dryRun'), 'false');
    assert.equal(raw.input('empty'), '');
    assert.equal(raw.input('gone'), undefined);
    assert.equal(raw.secretInput('lifetimeDays'), '30');
    assert.equal(raw.secretInput('gone'), undefined);
  });

  it('gives an endpoint by id in any case, its auth and data keys lower-cased (empty when absent)', () => {
    const raw = rawInputsFrom({
      endpoints: {
        'ARM-Conn': { url: 'https://management.azure.com/', scheme: 'ServicePrincipal', auth: { ServicePrincipalId: 'sp', TenantId: 't' }, data: { AzureKeyVaultDnsSuffix: 'vault.azure.net' } },
        bare: {},
      },
    });
    assert.deepEqual(raw.endpoint('arm-conn'), {
      url: 'https://management.azure.com/',
      scheme: 'ServicePrincipal',
      auth: { serviceprincipalid: 'sp', tenantid: 't' },
      data: { azurekeyvaultdnssuffix: 'vault.azure.net' },
    });
    assert.deepEqual(raw.endpoint('bare'), { url: undefined, scheme: undefined, auth: {}, data: {} });
    assert.equal(raw.endpoint('other'), undefined);
    assert.equal(rawInputsFrom({}).endpoint('x'), undefined);
  });

  it('reads files from the map given, failing with ENOENT for others; without a map it leaves reading to the file system', () => {
    const raw = rawInputsFrom({ files: { '/ca.pem': 'PEM' } });
    assert.equal(raw.readFile?.('/ca.pem'), 'PEM');
    assert.throws(() => raw.readFile?.('/other.pem'), (err: Error & { code?: string }) => err.code === 'ENOENT' && err.message === "ENOENT: no such file '/other.pem'");
    assert.throws(() => rawInputsFrom({ files: {} }).readFile?.('/ca.pem'), { code: 'ENOENT' });
    assert.equal(rawInputsFrom({}).readFile, undefined);
  });

  it('lowerKeys lower-cases every key and keeps the values', () => {
    assert.deepEqual(lowerKeys({ AbC: 'V', x: 'y' }), { abc: 'V', x: 'y' });
    assert.deepEqual(lowerKeys({}), {});
  });
});
