import { strict as assert } from 'node:assert';
import { patternToRegExp } from '../../../src/config/selector';
import { agentVariableHint, allowedHostsText, disallowedHostProblem, isAllowedServiceHost, isLoopbackHost, SERVER_NOT_SUPPORTED } from '../../../src/config/service-hosts';
import { parse, problems } from './config-fixtures';

const has = (list: string[], input: string, fragment: string) =>
  assert.ok(list.some((l) => l.startsWith(`${input}: `) && l.includes(fragment)), `expected a problem for ${input} with '${fragment}', got:\n${list.join('\n')}`);
const lacks = (list: string[], input: string) => assert.ok(!list.some((l) => l.startsWith(`${input}: `)), `no problem for ${input} expected, got:\n${list.join('\n')}`);
const AUTH_ID = '3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32';

describe('PAT selection inputs', () => {
  it('patternToRegExp: * any run, ? one character, everything else literal, whole name, case-sensitive', () => {
    const re = patternToRegExp('build-*.v?+(x)');
    assert.ok(re.test('build-.v1+(x)'));
    assert.ok(re.test('build-nightly\nline.v2+(x)'), '* spans any characters, line breaks too');
    assert.ok(!re.test('build-a.v12+(x)'), '? is one character');
    assert.ok(!re.test('Build-a.v1+(x)'), 'case-sensitive');
    assert.ok(!re.test('xbuild-a.v1+(x)') && !re.test('build-a.v1+(x)y'), 'the whole name');
    assert.ok(!re.test('build-aXv1+(x)'), '. is literal');
    assert.ok(patternToRegExp('a|b[c]^$\\{d}').test('a|b[c]^$\\{d}'));
  });

  it('names: one per line, blank lines dropped, duplicates kept once', () => {
    assert.deepEqual(parse({ displayName: 'a\r\n\n  b  \na\n', variableName: 'P.{name}' }).selector.displayNames, ['a', 'b']);
    assert.equal(parse({ displayName: 'a', takeNewest: 'true' }).selector.takeNewest, true);
  });

  it('create: refuses an authorizationId or a pattern, and needs a name', () => {
    has(problems({ action: 'create', authorizationId: AUTH_ID, scopes: 'vso.code' }), 'authorizationId', 'create makes a new one');
    has(problems({ action: 'create', displayName: undefined, displayNamePattern: 'a*', scopes: 'vso.code' }), 'patNamePattern', 'cannot name new PATs');
    has(problems({ action: 'create', displayName: undefined, scopes: 'vso.code' }), 'patName', 'is required to create a PAT');
  });

  it('rotate: an authorizationId alone or names alone; never both, never names and a pattern, never nothing', () => {
    const byId = parse({ displayName: undefined, authorizationId: AUTH_ID });
    assert.equal(byId.selector.authorizationId, AUTH_ID);
    assert.deepEqual(byId.selector.displayNames, []);
    has(problems({ authorizationId: AUTH_ID }), 'authorizationId', 'together with patName or patNamePattern');
    has(problems({ displayName: undefined, authorizationId: AUTH_ID, displayNamePattern: 'a*', variableName: 'P.{name}' }), 'authorizationId', 'together with patName');
    has(problems({ displayName: undefined }), 'patName', 'is required to rotate a PAT');
    assert.equal(parse({ displayName: undefined, displayNamePattern: 'feed-*', variableName: 'P.{name}' }).selector.displayNamePattern, 'feed-*');
  });

  it('update: an authorizationId with one name renames it; several names with it, a pattern, or nothing are refused', () => {
    const rename = parse({ action: 'update', displayName: 'new-name', authorizationId: AUTH_ID, target: 'outputOnly' });
    assert.deepEqual(rename.selector.displayNames, [], 'the name is the new name, not a selector');
    has(problems({ action: 'update', displayName: 'a\nb', authorizationId: AUTH_ID, target: 'none' }), 'patName', 'the one new name');
    has(problems({ action: 'update', displayName: undefined, displayNamePattern: 'a*', target: 'none' }), 'patNamePattern', 'not supported for update');
    has(problems({ action: 'update', displayName: undefined, target: 'none' }), 'patName', 'is required to update a PAT');
  });

  it('revoke: exact names or one authorizationId; no pattern, not both, not nothing', () => {
    has(problems({ action: 'revoke', displayName: undefined, displayNamePattern: 'a*', target: 'none' }), 'patNamePattern', 'cannot be undone');
    has(problems({ action: 'revoke', authorizationId: AUTH_ID, target: 'none' }), 'authorizationId', 'together with patName');
    has(problems({ action: 'revoke', displayName: undefined, target: 'none' }), 'patName', 'is required to revoke a PAT');
  });

  it('list takes any selection; check takes none, but not two at once', () => {
    lacks(problems({ action: 'list', displayName: undefined, tenantId: 'bad' }), 'patName');
    has(problems({ action: 'check', authorizationId: AUTH_ID }), 'authorizationId', 'together with patName');
    has(problems({ action: 'check', displayNamePattern: 'x*' }), 'patNamePattern', 'together with patName');
    lacks(problems({ action: 'check', displayName: undefined, tenantId: 'bad' }), 'patName');
  });
});

describe('service host overrides', () => {
  it('loopback: localhost, 127.0.0.0/8 and ::1 only', () => {
    for (const h of ['localhost', 'LOCALHOST', '127.0.0.1', '127.255.1.2', '[::1]', '::1']) assert.ok(isLoopbackHost(h), h);
    for (const h of ['128.0.0.1', '10.0.0.1', '::2', 'localhost.evil.test', 'example.com']) assert.ok(!isLoopbackHost(h), h);
  });

  it("Microsoft's hosts for each role, loopback for both, nothing else (and nothing unparsable)", () => {
    assert.ok(isAllowedServiceHost('authority', 'https://LOGIN.microsoftonline.com/'));
    assert.ok(!isAllowedServiceHost('authority', 'https://dev.azure.com/'));
    assert.ok(isAllowedServiceHost('devops', 'https://dev.azure.com/'));
    assert.ok(isAllowedServiceHost('devops', 'https://vssps.dev.azure.com/'));
    assert.ok(isAllowedServiceHost('devops', 'https://contoso.vssps.visualstudio.com/'));
    assert.ok(!isAllowedServiceHost('devops', 'https://visualstudio.com/'), 'the bare domain');
    assert.ok(!isAllowedServiceHost('devops', 'https://.visualstudio.com/'), 'the suffix alone, which the URL parser lets through');
    assert.ok(!isAllowedServiceHost('devops', 'https://evilvisualstudio.com/'));
    assert.ok(!isAllowedServiceHost('devops', 'https://login.microsoftonline.com/'));
    assert.ok(isAllowedServiceHost('devops', 'https://127.0.0.1:8443/') && isAllowedServiceHost('authority', 'https://localhost:1/'));
    assert.ok(!isAllowedServiceHost('devops', 'not a url'));
  });

  it('a refused host is named with the role and the hosts that are allowed', () => {
    assert.equal(disallowedHostProblem('devops', 'https://dev.azure.com/'), undefined);
    const devops = disallowedHostProblem('devops', 'https://collector.test:444/x');
    assert.match(devops?.message ?? '', /^'collector\.test:444' is not an? Azure DevOps host: the run would send credentials there/);
    assert.equal(devops?.hint, `remove the override, or use one of ${allowedHostsText('devops')}`);
    assert.equal(allowedHostsText('devops'), 'dev.azure.com, vssps.dev.azure.com, *.visualstudio.com, or a loopback address (localhost, 127.0.0.0/8, ::1) for an emulator on the agent');
    assert.match(disallowedHostProblem('authority', 'https://collector.test/')!.message, /^'collector\.test' is not a Microsoft Entra sign-in host/);
    assert.match(allowedHostsText('authority'), /^login\.microsoftonline\.com, .*login\.chinacloudapi\.cn.*, or a loopback address/);
  });

  it('a refused Azure DevOps host is told that Azure DevOps Server is not supported; a refused sign-in host is not', () => {
    assert.deepEqual(disallowedHostProblem('devops', 'https://tfs.corp:8080/tfs'), {
      message: `'tfs.corp:8080' is not an Azure DevOps host: the run would send credentials there. ${SERVER_NOT_SUPPORTED}`,
      hint: `remove the override, or use one of ${allowedHostsText('devops')}`,
    });
    assert.match(SERVER_NOT_SUPPORTED, /^Azure DevOps Server \(on-premises\) is not supported: it has no PAT Lifecycle API/);
    assert.deepEqual(disallowedHostProblem('authority', 'https://login.collector.test/tenant'), {
      message: "'login.collector.test' is not a Microsoft Entra sign-in host: the run would send credentials there",
      hint: `remove the override, or use one of ${allowedHostsText('authority')}`,
    });
    assert.equal(disallowedHostProblem('authority', 'https://login.microsoftonline.us/'), undefined);
    assert.equal(disallowedHostProblem('authority', 'https://127.0.0.2:1/'), undefined);
  });

  it('refuses a value that is no URL as it is, instead of throwing (System.OidcRequestUri is a variable a pipeline can replace)', () => {
    assert.deepEqual(disallowedHostProblem('devops', 'not a url'), {
      message: `'not a url' is not an Azure DevOps host: the run would send credentials there. ${SERVER_NOT_SUPPORTED}`,
      hint: `remove the override, or use one of ${allowedHostsText('devops')}`,
    });
    has(
      problems(
        { target: 'keyVault', azureSubscription: 'arm-conn', keyVault: 'contoso-secrets', secretName: 'FeedPat' },
        {
          endpoints: { 'arm-conn': { scheme: 'WorkloadIdentityFederation', auth: { serviceprincipalid: '99999999-8888-7777-6666-555555555555', tenantid: '72f988bf-86f1-41af-91ab-2d7cd011db47' } } },
          variables: { 'System.AccessToken': 'job-token', 'System.OidcRequestUri': 'not a url' },
        },
      ),
      'System.OidcRequestUri',
      "'not a url' is not an Azure DevOps host",
    );
  });

  it("tells that an agent variable naming another host was replaced by a pipeline variable, and the hosts allowed", () => {
    assert.equal(
      agentVariableHint(),
      `the agent sets it to the organization's own URL, so a pipeline variable of that name (queue time or task.setvariable) has replaced it: remove that variable. Allowed hosts: ${allowedHostsText('devops')}`,
    );
  });

  it('loopback in the forms the URL parser normalises to (IPv4-mapped, short and numeric IPv4); not a trailing-dot localhost', () => {
    for (const url of ['https://[::ffff:127.0.0.1]/', 'https://0x7f.1/', 'https://127.1/', 'https://2130706433/', 'https://[0:0:0:0:0:0:0:1]/']) {
      assert.ok(isAllowedServiceHost('devops', url) && isAllowedServiceHost('authority', url), url);
    }
    assert.ok(!isAllowedServiceHost('devops', 'https://localhost.:1/'));
    assert.ok(!isLoopbackHost('[::2]') && !isLoopbackHost('x[::1]') && !isLoopbackHost('[::1]x') && !isLoopbackHost(''));
    assert.ok(isAllowedServiceHost('devops', 'https://Contoso.VisualStudio.com/') && isAllowedServiceHost('devops', 'https://DEV.AZURE.COM/'), 'any case');
  });
});
