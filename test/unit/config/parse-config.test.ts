import { strict as assert } from 'node:assert';
import { parseConfig } from '../../../src/config/parse-config';
import { rawInputsFrom } from '../../../src/config/raw-inputs';
import { InputErrors } from '../../../src/errors';
import { CLIENT, NOW, parse, problems, REFRESH_TOKEN, TENANT } from './config-fixtures';

const has = (list: string[], input: string, fragment: string | RegExp) =>
  assert.ok(
    list.some((l) => l.startsWith(`${input}: `) && (typeof fragment === 'string' ? l.includes(fragment) : fragment.test(l))),
    `expected a problem for ${input} matching ${fragment}, got:\n${list.join('\n')}`,
  );

describe('parseConfig', () => {
  it('turns a valid rotate into a Config with production defaults', () => {
    const c = parse();
    assert.equal(c.action, 'rotate');
    assert.equal(c.organization, 'contoso');
    assert.deepEqual(c.urls, { authorityHost: 'https://login.microsoftonline.com', vsspsUrl: 'https://vssps.dev.azure.com', devopsUrl: 'https://dev.azure.com' });
    assert.deepEqual(c.entra, { tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN });
    assert.deepEqual(c.destinations[0]!, { kind: 'variableGroup', group: { project: 'Proj', name: 'Tokens' }, variableName: 'FeedPat', auth: 'user' });
    assert.deepEqual(c.refreshTokenStore, { kind: 'none' });
    assert.deepEqual(c.selector, { displayNames: ['feed-reader'], takeNewest: false });
    assert.equal(c.lifetimeDays, 30);
    assert.equal(c.rotateWhenExpiresWithinDays, 7);
    assert.equal(c.revokeOld, true);
    assert.equal(c.allowFullAccess, false);
    assert.equal(c.dryRun, false);
    assert.equal(c.concurrency, 4);
    assert.equal(c.refreshTokenMaxAgeDays, 60);
    assert.deepEqual(c.network, { timeoutMs: 30_000 });
    assert.equal(c.scopes, undefined);
  });

  it('reports every bad input at once, each naming the input and a fix', () => {
    const list = problems({ tenantId: 'not a tenant', clientId: 'abc', lifetimeDays: '0', variableName: 'has space', scopes: 'vso.cod' });
    has(list, 'tenantId', 'neither a tenant ID');
    has(list, 'clientId', 'not a GUID');
    has(list, 'lifetimeDays', 'outside 1..366');
    has(list, 'variableName', 'not a valid variable name');
    has(list, 'scopes', 'did you mean vso.code?');
    assert.equal(list.length, 5);
    assert.ok(list.every((l) => l.includes(' | ')), 'every problem carries a fix');
  });

  it('names the missing required inputs per action', () => {
    has(problems({ action: 'create', scopes: undefined }), 'scopes', 'required to create');
    has(problems({ action: 'create', displayName: undefined, scopes: 'vso.code' }), 'patName', 'required to create');
    has(problems({ displayName: undefined }), 'patName', 'required to rotate');
    has(problems({ action: 'update', displayName: undefined }), 'patName', 'required to update');
    has(problems({ action: 'revoke', displayName: undefined }), 'patName', 'required to revoke');
    has(problems({ variableGroup: undefined }), 'variableGroup', "target is 'variableGroup'");
    has(problems({ tenantId: undefined, clientId: undefined }), 'clientId', 'required');
    assert.doesNotThrow(() => parse({ action: 'list', displayName: undefined }));
  });

  it('accepts a tenant domain, organizations and common; refuses consumers', () => {
    assert.equal(parse({ tenantId: 'Contoso.onmicrosoft.com' }).entra.tenantId, 'contoso.onmicrosoft.com');
    assert.equal(parse({ tenantId: 'organizations' }).entra.tenantId, 'organizations');
    has(problems({ tenantId: 'consumers' }), 'tenantId', 'personal Microsoft accounts');
  });

  it('refuses an unexpanded $(variable) with the variable named', () => {
    has(problems({ refreshToken: '$(PatLifecycle.RefreshToken)' }), 'refreshToken', "no variable named 'PatLifecycle.RefreshToken'");
  });

  describe('refresh token', () => {
    const pat52 = 'dip55dwf4vpitomw63jzvomefmi2jluguprzwwqwuc6xq4fhocwq';
    const pat84 = 'A'.repeat(40) + 'AZDO' + 'b'.repeat(40);
    const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiI0OTliODRhYyJ9.c2lnbmF0dXJl';
    for (const [what, value, fragment] of [
      ['a legacy PAT', pat52, 'personal access token'],
      ['a new-format PAT', pat84, 'personal access token'],
      ['an access token', jwt, 'access token (a JWT)'],
      ['a token with a line break', `${REFRESH_TOKEN.slice(0, 50)}\n${REFRESH_TOKEN.slice(50)}`, 'line breaks'],
    ] as const) {
      it(`refuses ${what}, without quoting it`, () => {
        const list = problems({ refreshToken: value });
        has(list, 'refreshToken', fragment);
        for (const line of list) assert.ok(!line.includes(value.slice(0, 20)), 'the value is never quoted');
      });
    }
    it('is required', () => has(problems({ refreshToken: '' }), 'refreshToken', 'is required'));
  });

  describe('organization', () => {
    it('takes a name, a dev.azure.com URL or a visualstudio.com URL', () => {
      assert.equal(parse({ organization: 'fabrikam' }).organization, 'fabrikam');
      assert.equal(parse({ organization: 'https://dev.azure.com/fabrikam/' }).organization, 'fabrikam');
      assert.equal(parse({ organization: 'https://dev.azure.com/fabrikam/Project/_git/repo' }).organization, 'fabrikam');
      assert.equal(parse({ organization: 'https://fabrikam.visualstudio.com' }).organization, 'fabrikam');
    });
    it('refuses a URL of another host, and a bad name', () => {
      has(problems({ organization: 'https://github.com/fabrikam' }), 'organization', 'Azure DevOps Server (on-premises) is not supported');
      has(problems({ organization: 'http://dev.azure.com/fabrikam' }), 'organization', 'not an Azure DevOps organization URL');
      has(problems({ organization: 'fab rikam' }), 'organization', 'not a valid organization name');
    });
    it('says plainly that an Azure DevOps Server collection URL is not supported', () => {
      has(problems({ organization: 'https://tfs.contoso.com/tfs/DefaultCollection' }), 'organization', 'Azure DevOps Server (on-premises) is not supported');
      has(problems({ organization: 'http://tfs:8080/tfs/DefaultCollection' }), 'organization', 'Azure DevOps Server (on-premises) is not supported');
    });
    it('defaults to System.CollectionUri, in either URL form', () => {
      const c = parse({}, { variables: { 'System.CollectionUri': 'https://fabrikam.visualstudio.com/' } });
      assert.equal(c.organization, 'fabrikam');
      assert.equal(c.urls.devopsUrl, 'https://dev.azure.com');
    });
    it('is required outside a pipeline', () => {
      const r = rawInputsFrom({ inputs: { action: 'list', tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN } });
      assert.throws(() => parseConfig(r, NOW), (e: InputErrors) => e.errors.some((x) => x.input === 'organization'));
    });
    it('follows the seams, https only, and accepts an organization URL under the DevOps seam', () => {
      const seams = {
        'System.CollectionUri': 'https://127.0.0.1:8443/contoso/',
        'PatLifecycle.AuthorityHost': 'https://127.0.0.1:8443/',
        'PatLifecycle.VsspsUrl': 'https://127.0.0.1:8443',
        'PatLifecycle.DevOpsUrl': 'https://127.0.0.1:8443',
      };
      const c = parse({}, { variables: seams });
      assert.equal(c.organization, 'contoso');
      const { overrides, ...urls } = c.urls;
      assert.deepEqual(urls, { authorityHost: 'https://127.0.0.1:8443', vsspsUrl: 'https://127.0.0.1:8443', devopsUrl: 'https://127.0.0.1:8443' });
      assert.deepEqual(overrides?.map((o) => o.variable), ['PatLifecycle.AuthorityHost', 'PatLifecycle.VsspsUrl', 'PatLifecycle.DevOpsUrl'], 'each override is reported for the log');
      assert.equal(parse({ organization: 'https://127.0.0.1:8443/other' }, { variables: seams }).organization, 'other');
      has(problems({}, { variables: { 'PatLifecycle.VsspsUrl': 'http://127.0.0.1:8080' } }), 'PatLifecycle.VsspsUrl', 'not an https URL');
    });
    it("keeps the variable groups in the pipeline's own organization when organization names another", () => {
      const c = parse({ organization: 'fabrikam' });
      assert.equal(c.organization, 'fabrikam');
      assert.equal(c.destinationOrganization, 'contoso');
      assert.equal(parse({}).destinationOrganization, 'contoso');
    });
    it('puts the variable groups in the organization input outside a pipeline (no System.CollectionUri)', () => {
      const r = rawInputsFrom({ inputs: { action: 'list', tenantId: TENANT, clientId: CLIENT, refreshToken: REFRESH_TOKEN, refreshTokenStore: 'none', organization: 'fabrikam' } });
      assert.equal(parseConfig(r, NOW).destinationOrganization, 'fabrikam');
    });
    it('takes host overrides only to Microsoft sign-in hosts, Azure DevOps hosts and loopback', () => {
      const allowed: Array<[string, string]> = [
        ['PatLifecycle.AuthorityHost', 'https://login.microsoftonline.us'],
        ['PatLifecycle.AuthorityHost', 'https://login.chinacloudapi.cn'],
        ['PatLifecycle.AuthorityHost', 'https://localhost:8443'],
        ['PatLifecycle.AuthorityHost', 'https://127.9.8.7:8443'],
        ['PatLifecycle.AuthorityHost', 'https://[::1]:8443'],
        ['PatLifecycle.VsspsUrl', 'https://vssps.dev.azure.com'],
        ['PatLifecycle.VsspsUrl', 'https://contoso.vssps.visualstudio.com'],
        ['PatLifecycle.DevOpsUrl', 'https://dev.azure.com'],
        ['PatLifecycle.DevOpsUrl', 'https://contoso.visualstudio.com'],
      ];
      for (const [name, url] of allowed) assert.ok(parse({}, { variables: { [name]: url } }).urls.overrides?.some((o) => o.variable === name), `${name} ${url}`);
      const refused: Array<[string, string]> = [
        ['PatLifecycle.AuthorityHost', 'https://login.microsoftonline.com.evil.example'],
        ['PatLifecycle.AuthorityHost', 'https://dev.azure.com'],
        ['PatLifecycle.AuthorityHost', 'https://10.0.0.1'],
        // The retired Germany cloud: nobody at Microsoft answers for that host any more.
        ['PatLifecycle.AuthorityHost', 'https://login.microsoftonline.de'],
        ['PatLifecycle.VsspsUrl', 'https://login.microsoftonline.com'],
        ['PatLifecycle.VsspsUrl', 'https://visualstudio.com.evil.example'],
        ['PatLifecycle.DevOpsUrl', 'https://127.0.0.1.nip.io'],
        ['PatLifecycle.DevOpsUrl', 'https://evilvisualstudio.com'],
      ];
      for (const [name, url] of refused) has(problems({}, { variables: { [name]: url } }), name, 'would send credentials there');
    });
    it('holds System.CollectionUri to the Azure DevOps hosts, as the overrides (a pipeline variable can replace it)', () => {
      has(problems({}, { variables: { 'System.CollectionUri': 'https://collector.example/contoso/' } }), 'System.CollectionUri', 'would send credentials there');
      assert.equal(parse({}, { variables: { 'System.CollectionUri': 'https://contoso.visualstudio.com/' } }).destinationOrganization, 'contoso');
    });
    it('derives the DevOps host from a collection URI with a path', () => {
      assert.equal(parse({}, { variables: { 'System.CollectionUri': 'https://127.0.0.1:9000/devops/contoso/' } }).urls.devopsUrl, 'https://127.0.0.1:9000/devops');
    });
  });

  describe('scopes', () => {
    it('splits on spaces and commas, adds a missing vso. prefix, drops duplicates', () => {
      assert.deepEqual(parse({ scopes: 'vso.code, packaging_write  vso.code  VSO.Build' }).scopes, ['vso.code', 'vso.packaging_write', 'vso.build']);
    });
    it('refuses unknown scopes with a suggestion', () => has(problems({ scopes: 'vso.packagin' }), 'scopes', 'did you mean vso.packaging?'));
    it('refuses app_token unless allowFullAccess, and alone only', () => {
      has(problems({ scopes: 'app_token' }), 'scopes', 'full access');
      assert.deepEqual(parse({ scopes: 'app_token', allowFullAccess: 'true' }).scopes, ['app_token']);
      has(problems({ scopes: 'app_token vso.code', allowFullAccess: 'true' }), 'scopes', 'cannot be combined');
    });
    it('ignores scopes for revoke and list', () => {
      assert.equal(parse({ action: 'revoke', scopes: 'vso.nonsense' }).scopes, undefined);
    });
  });

  describe('numbers', () => {
    it('checks lifetimeDays is a whole number in 1..366', () => {
      has(problems({ lifetimeDays: '367' }), 'lifetimeDays', 'outside');
      has(problems({ lifetimeDays: '1.5' }), 'lifetimeDays', 'not a whole number');
      has(problems({ lifetimeDays: 'abc' }), 'lifetimeDays', 'not a whole number');
      assert.equal(parse({ lifetimeDays: '366', rotateWhenExpiresWithinDays: '0' }).lifetimeDays, 366);
    });
    it('refuses a rotation window that is not shorter than the lifetime (every run would rotate)', () => {
      has(problems({ lifetimeDays: '7', rotateWhenExpiresWithinDays: '7' }), 'rotateWhenExpiresWithinDays', 'every run would rotate');
      has(problems({ rotateWhenExpiresWithinDays: '-1' }), 'rotateWhenExpiresWithinDays', 'outside');
      assert.equal(parse({ lifetimeDays: '7', rotateWhenExpiresWithinDays: '0' }).rotateWhenExpiresWithinDays, 0);
      assert.doesNotThrow(() => parse({ action: 'list', lifetimeDays: '7', rotateWhenExpiresWithinDays: '14' }));
    });
    it('bounds concurrency, refreshTokenMaxAgeDays and the timeout; the timeout variable wins over the input', () => {
      has(problems({ concurrency: '0' }), 'concurrency', 'outside');
      has(problems({ refreshTokenMaxAgeDays: '91' }), 'refreshTokenMaxAgeDays', 'outside');
      assert.equal(parse({ requestTimeoutSeconds: '10' }).network.timeoutMs, 10_000);
      assert.equal(parse({ requestTimeoutSeconds: '10' }, { variables: { 'PatLifecycle.RequestTimeoutSeconds': '3' } }).network.timeoutMs, 3_000);
      has(problems({}, { variables: { 'PatLifecycle.RequestTimeoutSeconds': '0' } }), 'PatLifecycle.RequestTimeoutSeconds', 'outside');
    });
    it('checks booleans', () => has(problems({ dryRun: 'yes' }), 'dryRun', 'not true or false'));
  });

  describe('selection', () => {
    it('refuses authorizationId together with displayName for rotate and revoke', () => {
      has(problems({ authorizationId: '3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32' }), 'authorizationId', 'together with patName');
      has(problems({ action: 'revoke', authorizationId: '3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32' }), 'authorizationId', 'together with patName');
      has(problems({ displayName: undefined, authorizationId: 'not-a-guid' }), 'authorizationId', 'not a GUID');
    });
    it('treats authorizationId plus one displayName as a rename for update', () => {
      const c = parse({ action: 'update', authorizationId: '3D3ACA0C-9AD3-4B07-8334-08EC8B1DDC32', displayName: 'new-name' });
      assert.equal(c.selector.authorizationId, '3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32');
      assert.deepEqual(c.selector.displayNames, []);
      assert.equal(c.newDisplayName, 'new-name');
    });
    it('refuses authorizationId for create', () => {
      has(problems({ action: 'create', scopes: 'vso.code', authorizationId: '3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32' }), 'authorizationId', 'create makes a new one');
    });
    it('checks display names: length and control characters', () => {
      has(problems({ displayName: 'x'.repeat(257) }), 'patName', '257 characters');
      has(problems({ displayName: 'tab\there' }), 'patName', 'control characters');
      assert.equal(parse({ displayName: 'x'.repeat(256) }).selector.displayNames[0].length, 256);
    });
  });

  describe('bulk', () => {
    it('reads one name per line, and needs {name} in the variable', () => {
      has(problems({ displayName: 'a\nb' }), 'variableName', 'put {name} in it');
      const c = parse({ displayName: 'feed reader\r\n\n build-bot \nfeed reader', variableName: 'Pat.{name}' });
      assert.deepEqual(c.selector.displayNames, ['feed reader', 'build-bot']);
      assert.equal(c.destinations[0]!.kind === 'variableGroup' && c.destinations[0]!.variableName, 'Pat.{name}');
    });
    it('refuses names that collapse onto one variable', () => {
      has(problems({ displayName: 'a b\na_b', variableName: 'Pat.{name}' }), 'variableName', "would both be written to 'Pat.a_b'");
    });
    it('needs {name} with a pattern, and refuses outputOnly for several PATs', () => {
      has(problems({ displayName: undefined, displayNamePattern: 'build-*' }), 'variableName', '{name}');
      has(problems({ displayName: 'a\nb', target: 'outputOnly' }), 'target', 'holds one value');
      has(problems({ displayName: 'a', displayNamePattern: 'b*' }), 'patNamePattern', 'together with patName');
      has(problems({ action: 'revoke', displayName: undefined, displayNamePattern: 'b*' }), 'patNamePattern', 'not supported for revoke');
    });
  });

  describe('variable groups', () => {
    it('takes a numeric group as an id', () => {
      const c = parse({ variableGroup: '12' });
      assert.deepEqual(c.destinations[0]!.kind === 'variableGroup' && c.destinations[0]!.group, { project: 'Proj', id: 12 });
    });
    it('refuses reserved prefixes in variable names', () => has(problems({ variableName: 'secret.pat' }), 'variableName', 'reserves'));
    it('needs System.AccessToken for variableGroupAuth job, from the variable or the SYSTEMVSSCONNECTION endpoint', () => {
      has(problems({ variableGroupAuth: 'job' }), 'variableGroupAuth', 'Allow scripts to access the OAuth token');
      assert.equal(parse({ variableGroupAuth: 'job' }, { variables: { 'System.AccessToken': 'job-token-123456' } }).systemAccessToken, 'job-token-123456');
      const viaEndpoint = parse({ variableGroupAuth: 'job' }, { endpoints: { SYSTEMVSSCONNECTION: { scheme: 'OAuth', auth: { AccessToken: 'endpoint-token-1234' } } } });
      assert.equal(viaEndpoint.systemAccessToken, 'endpoint-token-1234');
    });
    it("refuses a PAT variable that is, or collides with, the refresh token's", () => {
      const rt = { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: 'tokens', refreshTokenVariableName: 'PatLifecycle.RefreshToken' };
      has(problems({ ...rt, variableName: 'PatLifecycle.RefreshToken' }), 'variableName', "overwrite the refresh token's variable");
      has(problems({ ...rt, variableName: 'PatLifecycle.RefreshToken.issuedAt' }), 'variableName', "companion 'patlifecycle.refreshtoken.issuedat'");
      assert.doesNotThrow(() => parse({ ...rt, variableName: 'FeedPat' }));
      assert.doesNotThrow(() => parse({ ...rt, refreshTokenVariableGroup: 'Other', variableName: 'PatLifecycle.RefreshToken' }));
    });
    it('takes the project of both groups from destinationProject, else System.TeamProject', () => {
      const rt = { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: 'signin', refreshTokenVariableName: 'PatLifecycle.RefreshToken' };
      const c = parse({ ...rt, destinationProject: 'Platform' });
      assert.deepEqual(c.destinations[0]!.kind === 'variableGroup' && c.destinations[0]!.group, { project: 'Platform', name: 'Tokens' });
      assert.deepEqual(c.refreshTokenStore.kind === 'variableGroup' && c.refreshTokenStore.group, { project: 'Platform', name: 'signin' });
      const outside = parse({ destinationProject: 'Platform' }, { variables: { 'System.TeamProject': '' } });
      assert.deepEqual(outside.destinations[0]!.kind === 'variableGroup' && outside.destinations[0]!.group, { project: 'Platform', name: 'Tokens' });
    });
    it('refuses a destinationProject that is not a project name, once for both groups', () => {
      const rt = { refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: 'signin', refreshTokenVariableName: 'PatLifecycle.RefreshToken' };
      const list = problems({ ...rt, destinationProject: 'Plat/form' });
      has(list, 'destinationProject', 'not a valid project name');
      assert.equal(list.length, 1, list.join('\n'));
      has(problems({ destinationProject: '_hidden' }), 'destinationProject', 'not a valid project name');
      has(problems({ destinationProject: 'x'.repeat(65) }), 'destinationProject', 'not a valid project name');
    });
    it('needs refreshTokenStore: no default, the error names the choices', () => {
      has(problems({ refreshTokenStore: undefined }), 'refreshTokenStore', /is required.*no default.*none, variableGroup, keyVault/);
      has(problems({ refreshTokenStore: '  ' }), 'refreshTokenStore', 'is required');
      assert.deepEqual(parse({ refreshTokenStore: 'none' }).refreshTokenStore, { kind: 'none' });
    });
    it('is not required for list and check, which write nothing else: without it they save nothing', () => {
      for (const action of ['list', 'check']) assert.deepEqual(parse({ action, refreshTokenStore: undefined, target: 'outputOnly' }).refreshTokenStore, { kind: 'none' }, action);
      has(problems({ action: 'update', refreshTokenStore: undefined }), 'refreshTokenStore', 'is required');
    });
    it('update with the refresh token in Key Vault and no PAT destination: the vault inputs serve the store, target keeps its default, nothing more is asked', () => {
      const arm = { endpoints: { arm: { scheme: 'ServicePrincipal', auth: { serviceprincipalid: CLIENT, tenantid: TENANT, authenticationType: 'spnKey', serviceprincipalkey: 'sp-secret-value' }, data: {} } } };
      const c = parse({ action: 'update', target: 'variableGroup', variableGroup: undefined, variableName: undefined, refreshTokenStore: 'keyVault', refreshTokenSecretName: 'signin', azureSubscription: 'arm', keyVault: 'myvault' }, arm);
      assert.deepEqual(c.destinations, []);
      assert.equal(c.refreshTokenStore?.kind, 'keyVault');
      // Naming the PAT's own variable makes the group a destination again, to be kept in step.
      has(problems({ action: 'update', target: 'variableGroup', variableGroup: undefined, variableName: 'FeedPat' }), 'variableGroup', 'is required');
    });
    it('parses the refresh token store', () => {
      const c = parse({ refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: 'signin', refreshTokenVariableName: 'PatLifecycle.RefreshToken' });
      assert.deepEqual(c.refreshTokenStore, { kind: 'variableGroup', group: { project: 'Proj', name: 'signin' }, variableName: 'PatLifecycle.RefreshToken', auth: 'user' });
      has(problems({ refreshTokenStore: 'variableGroup' }), 'refreshTokenVariableName', 'is required');
      has(problems({ refreshTokenStore: 'somewhere' }), 'refreshTokenStore', 'not one of');
    });
  });

  describe('service connections', () => {
    it('takes the connection by name or id in the destination project, alone or listed with a group', () => {
      const c = parse({ target: 'serviceConnection', serviceConnection: 'fabrikam-repos', destinationProject: 'Platform' });
      assert.deepEqual(c.destinations, [{ kind: 'serviceConnection', connection: { project: 'Platform', nameOrId: 'fabrikam-repos' } }]);
      const both = parse({ target: 'variableGroup, serviceConnection', serviceConnection: '3f2b1c4d-0000-4000-8000-000000000001' });
      assert.deepEqual(both.destinations.map((d) => d.kind), ['variableGroup', 'serviceConnection']);
    });
    it('needs serviceConnection when the target includes it, naming what to give', () => {
      has(problems({ target: 'serviceConnection' }), 'serviceConnection', /is required when target is 'serviceConnection'.*Service connections/);
      has(problems({ target: 'variableGroup, serviceConnection' }), 'serviceConnection', "when target includes 'serviceConnection'");
    });
    it('needs {name} in the connection for several PATs', () => {
      has(problems({ target: 'serviceConnection', serviceConnection: 'feed', displayName: 'a\nb' }), 'serviceConnection', 'put {name} in it (e.g. Feed {name})');
      assert.doesNotThrow(() => parse({ target: 'serviceConnection', serviceConnection: 'Feed {name}', displayName: 'a\nb' }));
    });
  });

  describe('network', () => {
    it('reads the agent proxy with its bypass list, and the CA file', () => {
      const ca = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
      const c = parse({}, {
        variables: { 'Agent.ProxyUrl': 'http://proxy:8888/', 'Agent.ProxyUsername': 'u', 'Agent.ProxyPassword': 'p@ss', 'Agent.ProxyBypassList': '["\\\\.internal$","localhost"]', 'Agent.CAInfo': '/certs/ca.pem' },
        files: { '/certs/ca.pem': ca },
      });
      assert.deepEqual(c.network, { timeoutMs: 30_000, proxy: { url: 'http://proxy:8888', username: 'u', password: 'p@ss', bypass: ['\\.internal$', 'localhost'] }, caPem: ca });
    });
    it('refuses a bad proxy, a bad bypass list and an unreadable CA file', () => {
      const list = problems({}, { variables: { 'Agent.ProxyUrl': 'ftp://proxy', 'Agent.CAInfo': '/missing.pem' }, files: {} });
      has(list, 'Agent.ProxyUrl', 'not an http or https URL');
      has(list, 'Agent.CAInfo', 'cannot be read');
      has(problems({}, { variables: { 'Agent.ProxyUrl': 'http://proxy:1', 'Agent.ProxyBypassList': '["("]' } }), 'Agent.ProxyBypassList', 'not a valid regular expression');
    });
  });
});

describe('parseConfig: action check', () => {
  it('parses the destinations as rotate does, so a check step is the rotate step with action: check', () => {
    const c = parse({ action: 'check' });
    assert.equal(c.action, 'check');
    assert.equal(c.checkPatCreation, false);
    assert.deepEqual(c.destinations[0]!, { kind: 'variableGroup', group: { project: 'Proj', name: 'Tokens' }, variableName: 'FeedPat', auth: 'user' });
    assert.deepEqual(c.selector, { displayNames: ['feed-reader'], takeNewest: false });
  });

  it('needs no PAT name (the PAT lines then say nothing was named), and takes the probe scopes', () => {
    const c = parse({ action: 'check', displayName: undefined, checkPatCreation: 'true', scopes: 'vso.code' });
    assert.deepEqual(c.selector.displayNames, []);
    assert.equal(c.checkPatCreation, true);
    assert.deepEqual(c.scopes, ['vso.code']);
  });

  it('refuses what would stop the rotate it checks, and checkPatCreation on another action', () => {
    const list = problems({ action: 'check', authorizationId: '3fa85f64-5717-4562-b3fc-2c963f66afa6', variableGroup: undefined });
    has(list, 'authorizationId', 'is given together with patName');
    has(list, 'variableGroup', 'is required');
    has(problems({ checkPatCreation: 'true' }), 'checkPatCreation', "is for action 'check', not 'rotate'");
  });
});
