/**
 * Bad inputs and environments, table-driven: each one must fail the task with ONE clear error that names the input
 * (or pipeline variable) and says how to fix it, before anything reaches the network: the emulator sees zero
 * requests, so the refresh token is not spent on a run that cannot succeed. Runs are spawned in parallel lanes.
 *
 * The exception, by decision: an unknown variable group can only be known by asking Azure DevOps, so it is found
 * after sign-in; it still fails naming the input, and before any PAT is created or any store written.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { generate } from 'selfsigned';
import { startEmulator } from '../emulator';
import type { EndpointSpec, RunTaskOptions, SystemSpec, TaskRun } from '../support/run-task';
import { inLanes } from './support/lanes';
import './support/suite-report';
import { describeRun, PAT_NAME, Sandbox } from './support/sandbox';

interface BadInput {
  name: string;
  /** The input or pipeline variable the error must name. */
  input: string;
  inputs?: RunTaskOptions['inputs'] | (() => RunTaskOptions['inputs']);
  /** Inputs to drop from the valid rotation (set to undefined). */
  drop?: string[];
  variables?: Record<string, string>;
  system?: SystemSpec;
  endpoints?: Record<string, EndpointSpec>;
  /** Values handed to the task that must never be printed (a PAT pasted as the refresh token...). */
  secrets?: string[];
  /** The message must also match this (what is wrong, in words). */
  says?: RegExp;
}

const alnum = (n: number) => {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(n)].map((b) => chars[b % chars.length]).join('');
};
const PASTED_PAT = `${alnum(76)}AZDO${alnum(4)}`;
const PASTED_LEGACY_PAT = [...randomBytes(52)].map((b) => 'abcdefghijklmnopqrstuvwxyz234567'[b % 32]).join('');
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const PASTED_JWT = `${b64url({ alg: 'RS256', typ: 'JWT' })}.${b64url({ aud: '499b84ac-1321-427f-aa17-267ca6975798', upn: 'ada@contoso.com', exp: 2_000_000_000 })}.${alnum(86)}`;
const SP_SECRET = `sp~${alnum(34)}`;

/** An Azure Resource Manager connection for Key Vault cases (valid, so the vault inputs are what is wrong). */
const ARM: Record<string, EndpointSpec> = {
  arm: {
    url: 'https://management.azure.com/',
    scheme: 'ServicePrincipal',
    parameters: { serviceprincipalid: '11111111-2222-3333-4444-555555555555', tenantid: '66666666-7777-8888-9999-000000000000', authenticationType: 'spnKey', serviceprincipalkey: SP_SECRET },
    data: { AzureKeyVaultDnsSuffix: 'vault.emulator.test', environment: 'AzureCloud' },
  },
};
/** A valid certificate with its key, made at run time (no key in the repository). */
const CERT = { pem: '', keyLines: [] as string[] };

const KV = { target: 'keyVault', azureSubscription: 'arm', keyVault: 'contoso-secrets', secretName: 'FeedPat', variableGroup: undefined, variableName: undefined };

const CASES: BadInput[] = [
  // Sign-in inputs.
  { name: 'tenantId missing', input: 'tenantId', drop: ['tenantId'], says: /required/ },
  { name: 'clientId missing', input: 'clientId', drop: ['clientId'], says: /required/ },
  { name: 'refreshToken missing', input: 'refreshToken', drop: ['refreshToken'], secrets: [], says: /required/ },
  { name: 'refreshToken only spaces', input: 'refreshToken', inputs: { refreshToken: '   ' }, says: /required/ },
  { name: 'a PAT pasted as the refresh token', input: 'refreshToken', inputs: { refreshToken: PASTED_PAT }, secrets: [PASTED_PAT], says: /personal access token/ },
  { name: 'a legacy 52-character PAT pasted as the refresh token', input: 'refreshToken', inputs: { refreshToken: PASTED_LEGACY_PAT }, secrets: [PASTED_LEGACY_PAT], says: /personal access token/ },
  { name: 'an access token (JWT) pasted as the refresh token', input: 'refreshToken', inputs: { refreshToken: PASTED_JWT }, secrets: [PASTED_JWT], says: /access token/ },
  { name: 'refresh token cut by a line break', input: 'refreshToken', inputs: { refreshToken: `1.Aco${alnum(60)}\n${alnum(60)}` }, says: /line breaks/ },
  // A variable the pipeline does not define stays `$(Name)`: one error saying so, not also "is required".
  { name: 'refresh token left as an unexpanded macro', input: 'refreshToken', inputs: { refreshToken: '$(PatLifecycle.RefreshToken)' }, says: /unexpanded/ },
  { name: 'tenantId left as an unexpanded macro', input: 'tenantId', inputs: { tenantId: '$(TenantId)' }, says: /unexpanded/ },
  { name: 'variableGroup left as an unexpanded macro', input: 'variableGroup', inputs: { variableGroup: '$(PatGroup)' }, says: /unexpanded/ },
  { name: 'clientId not a GUID', input: 'clientId', inputs: { clientId: '1234-abcd' }, says: /not a GUID/ },
  { name: 'tenantId neither GUID nor domain', input: 'tenantId', inputs: { tenantId: 'not a tenant!' } },
  { name: "tenantId 'consumers' (personal accounts)", input: 'tenantId', inputs: { tenantId: 'consumers' }, says: /personal Microsoft accounts/ },
  { name: 'clientSecret and clientCertificate both given', input: 'clientCertificate', inputs: () => ({ clientSecret: SP_SECRET, clientCertificate: CERT.pem }), secrets: [SP_SECRET], says: /together with clientSecret/ },
  { name: 'clientCertificate that is not PEM', input: 'clientCertificate', inputs: { clientCertificate: 'this is not a certificate at all!' }, says: /neither PEM nor base64/ },

  // Which PAT.
  { name: 'authorizationId not a GUID', input: 'authorizationId', inputs: { displayName: undefined, authorizationId: 'feed-reader-id' }, says: /not a GUID/ },
  { name: 'authorizationId and displayName together', input: 'authorizationId', inputs: { authorizationId: '0f8fad5b-d9cb-469f-a165-70867728950e' }, says: /together/ },
  { name: 'patName and patNamePattern together (as the aliases displayName and displayNamePattern)', input: 'patNamePattern', inputs: { displayNamePattern: 'feed-*', variableName: 'Pat.{name}' }, says: /together/ },
  { name: 'no PAT selected for rotate', input: 'patName', drop: ['displayName'], says: /required/ },
  { name: 'patName over 256 characters', input: 'patName', inputs: { displayName: 'x'.repeat(300) }, says: /300 characters/ },
  { name: 'patName with a control character', input: 'patName', inputs: { displayName: 'feed\treader' }, says: /control characters/ },

  // What the new PAT gets.
  { name: 'unknown scope', input: 'scopes', inputs: { scopes: 'vso.pakaging' }, says: /unknown scope/ },
  { name: 'scopes that name no scope', input: 'scopes', inputs: { scopes: ', ,' }, says: /no scope/ },
  { name: 'app_token without allowFullAccess', input: 'scopes', inputs: { scopes: 'app_token' }, says: /full access/ },
  { name: 'app_token combined with other scopes', input: 'scopes', inputs: { scopes: 'app_token vso.code', allowFullAccess: true }, says: /cannot be combined/ },
  { name: 'lifetimeDays negative', input: 'lifetimeDays', inputs: { lifetimeDays: -5 } },
  { name: 'lifetimeDays zero', input: 'lifetimeDays', inputs: { lifetimeDays: 0 } },
  { name: 'lifetimeDays huge', input: 'lifetimeDays', inputs: { lifetimeDays: 100000 } },
  { name: 'lifetimeDays not a number', input: 'lifetimeDays', inputs: { lifetimeDays: 'thirty' }, says: /not a whole number/ },
  { name: 'rotateWhenExpiresWithinDays negative', input: 'rotateWhenExpiresWithinDays', inputs: { rotateWhenExpiresWithinDays: -1 } },
  { name: 'rotateWhenExpiresWithinDays >= lifetimeDays', input: 'rotateWhenExpiresWithinDays', inputs: { rotateWhenExpiresWithinDays: 30, lifetimeDays: 30 }, says: /not less than lifetimeDays/ },
  { name: 'revokeOld neither true nor false', input: 'revokeOld', inputs: { revokeOld: 'maybe' } },
  { name: 'unknown action', input: 'action', inputs: { action: 'rotat' } },
  { name: 'concurrency above the maximum', input: 'concurrency', inputs: { concurrency: 100 } },
  { name: 'refreshTokenMaxAgeDays beyond 90', input: 'refreshTokenMaxAgeDays', inputs: { refreshTokenMaxAgeDays: 120 } },
  { name: 'requestTimeoutSeconds zero', input: 'requestTimeoutSeconds', inputs: { requestTimeoutSeconds: 0 } },
  { name: 'PatLifecycle.RequestTimeoutSeconds not a number', input: 'PatLifecycle.RequestTimeoutSeconds', variables: { 'PatLifecycle.RequestTimeoutSeconds': 'soon' } },

  // Where the PAT goes.
  { name: 'unknown target', input: 'target', inputs: { target: 'file' } },
  { name: 'variableGroup missing for target variableGroup', input: 'variableGroup', drop: ['variableGroup'], says: /required/ },
  { name: 'variableName missing for target variableGroup', input: 'variableName', drop: ['variableName'], says: /required/ },
  { name: 'variableName with a space', input: 'variableName', inputs: { variableName: 'Feed Pat' }, says: /not a valid variable name/ },
  { name: 'variableName with a reserved prefix', input: 'variableName', inputs: { variableName: 'secret.FeedPat' }, says: /reserves/ },
  {
    name: "variableName is the refresh token's variable",
    input: 'variableName',
    inputs: { variableGroup: 'Auth', variableName: 'PatLifecycle.RefreshToken' },
    says: /overwrite the refresh token/,
  },
  {
    name: "variableName is a companion of the refresh token's variable",
    input: 'variableName',
    inputs: { variableGroup: 'Auth', variableName: 'PatLifecycle.RefreshToken.issuedAt' },
    says: /overwrite the refresh token/,
  },
  {
    name: 'refreshTokenStore left out (it has no default)',
    input: 'refreshTokenStore',
    inputs: { refreshTokenStore: undefined, refreshTokenVariableGroup: undefined, refreshTokenVariableName: undefined },
    says: /is required.*no default.*one of: none, variableGroup, keyVault/,
  },
  { name: 'refreshTokenStore left as an unexpanded macro', input: 'refreshTokenStore', inputs: { refreshTokenStore: '$(RtStore)' }, says: /unexpanded/ },
  { name: 'destinationProject not a project name (one error for both groups)', input: 'destinationProject', inputs: { destinationProject: 'Web/Apps' }, says: /not a valid project name/ },
  { name: 'refreshTokenVariableGroup missing for refreshTokenStore variableGroup', input: 'refreshTokenVariableGroup', drop: ['refreshTokenVariableGroup'], says: /required/ },
  { name: 'variableGroupAuth job without System.AccessToken', input: 'variableGroupAuth', inputs: { variableGroupAuth: 'job' }, says: /System\.AccessToken/ },
  {
    name: 'System.TeamProject missing (variable group needs the project)',
    input: 'variableGroup',
    inputs: { refreshTokenStore: 'none', refreshTokenVariableGroup: undefined, refreshTokenVariableName: undefined },
    system: { teamProject: '' },
    says: /System\.TeamProject/,
  },
  { name: 'secretName Key Vault refuses (dot, underscore)', input: 'secretName', inputs: { ...KV, secretName: 'Feed_Pat.Secret' }, endpoints: ARM, secrets: [SP_SECRET], says: /not a valid Key Vault secret name/ },
  { name: 'secretName longer than 127', input: 'secretName', inputs: { ...KV, secretName: 'a'.repeat(128) }, endpoints: ARM, secrets: [SP_SECRET] },
  {
    name: "secretName is the refresh token's secret in the same vault",
    input: 'secretName',
    inputs: { ...KV, secretName: 'PatLifecycle-RefreshToken', refreshTokenStore: 'keyVault', refreshTokenSecretName: 'PatLifecycle-RefreshToken', refreshTokenVariableGroup: undefined, refreshTokenVariableName: undefined },
    endpoints: ARM,
    secrets: [SP_SECRET],
    says: /holds the refresh token/,
  },
  { name: 'keyVault name invalid', input: 'keyVault', inputs: { ...KV, keyVault: '1-vault_' }, endpoints: ARM, secrets: [SP_SECRET] },
  { name: 'keyVault URL over http://', input: 'keyVault', inputs: { ...KV, keyVault: 'http://contoso-secrets.vault.emulator.test' }, endpoints: ARM, secrets: [SP_SECRET], says: /not an https URL/ },
  { name: "keyVault URL outside the connection's cloud", input: 'keyVault', inputs: { ...KV, keyVault: 'https://contoso.vault.azure.net' }, endpoints: ARM, secrets: [SP_SECRET], says: /not under/ },
  { name: 'target keyVault without azureSubscription', input: 'azureSubscription', inputs: { ...KV, azureSubscription: undefined }, says: /required/ },
  { name: 'azureSubscription naming a connection the pipeline cannot use', input: 'azureSubscription', inputs: { ...KV, azureSubscription: 'nope' }, endpoints: ARM, secrets: [SP_SECRET], says: /not available/ },

  // The organization and the service URLs.
  { name: 'organization URL on another host', input: 'organization', inputs: { organization: 'https://gitlab.com/contoso' }, says: /not an Azure DevOps Services organization URL/ },
  { name: 'organization URL over http://', input: 'organization', inputs: { organization: 'http://dev.azure.com/contoso' } },
  { name: 'organization name with invalid characters', input: 'organization', inputs: { organization: 'contoso_org!' } },
  { name: 'no organization and no System.CollectionUri', input: 'organization', system: { collectionUri: '' }, variables: { 'PatLifecycle.DevOpsUrl': 'https://127.0.0.1:1' } },
  { name: 'PatLifecycle.AuthorityHost over http://', input: 'PatLifecycle.AuthorityHost', variables: { 'PatLifecycle.AuthorityHost': 'http://127.0.0.1:1' }, says: /not an https URL/ },
  { name: 'PatLifecycle.VsspsUrl over http://', input: 'PatLifecycle.VsspsUrl', variables: { 'PatLifecycle.VsspsUrl': 'http://127.0.0.1:1' }, says: /not an https URL/ },
  { name: 'PatLifecycle.DevOpsUrl over http://', input: 'PatLifecycle.DevOpsUrl', variables: { 'PatLifecycle.DevOpsUrl': 'http://127.0.0.1:1' }, says: /not an https URL/ },
  { name: 'PatLifecycle.VsspsUrl with a query', input: 'PatLifecycle.VsspsUrl', variables: { 'PatLifecycle.VsspsUrl': 'https://127.0.0.1:1/?x=1' } },

  // The agent's network settings.
  { name: 'Agent.ProxyUrl not a URL', input: 'Agent.ProxyUrl', variables: { 'Agent.ProxyUrl': 'proxy here please' }, says: /not a URL/ },
  { name: 'Agent.ProxyUrl with a socks5:// scheme', input: 'Agent.ProxyUrl', variables: { 'Agent.ProxyUrl': 'socks5://127.0.0.1:1080' }, says: /not an http or https URL/ },
  { name: 'Agent.ProxyBypassList not JSON', input: 'Agent.ProxyBypassList', variables: { 'Agent.ProxyUrl': 'http://127.0.0.1:3128', 'Agent.ProxyBypassList': 'localhost,127.0.0.1' }, says: /not a JSON array/ },
  { name: 'Agent.ProxyBypassList with a broken regular expression', input: 'Agent.ProxyBypassList', variables: { 'Agent.ProxyUrl': 'http://127.0.0.1:3128', 'Agent.ProxyBypassList': '["(unclosed"]' }, says: /not a valid regular expression/ },
  { name: 'Agent.CAInfo naming a file that does not exist', input: 'Agent.CAInfo', variables: { 'Agent.CAInfo': '/nonexistent/ca.pem' }, says: /cannot be read/ },
];

interface CaseResult {
  problems: string[];
}

describe(`bad inputs and environments: ${CASES.length} cases, each one clear error and zero requests (black box)`, function () {
  this.timeout(300_000);
  const results = new Map<BadInput, CaseResult | Error>();

  before(async function () {
    const pair = await generate([{ name: 'commonName', value: 'pat-lifecycle bad-input test' }], { keyType: 'ec', algorithm: 'sha256' });
    CERT.pem = `${pair.cert}${pair.private}`;
    CERT.keyLines = pair.private.split(/\r?\n/).filter((l) => l.length >= 16 && !l.startsWith('-----'));
    const outcome = await inLanes(CASES, async (c, lane, index) => {
      const s = Sandbox.create(lane.emu, 'bad');
      s.seedRotation();
      s.extraSecrets.push(...(c.secrets ?? []), ...CERT.keyLines);
      const inputs: Record<string, string | number | boolean | undefined> = { ...s.rotateInputs(), ...(typeof c.inputs === 'function' ? c.inputs() : c.inputs) };
      for (const d of c.drop ?? []) inputs[d] = undefined;
      // Half the cases with debug logging on, half off: neither may print a secret.
      const debug = index % 2 === 0 || (c.secrets?.length ?? 0) > 0 ? 'true' : 'false';
      const run = await s.run(inputs, { variables: { 'System.Debug': debug, ...c.variables }, system: c.system, endpoints: c.endpoints });
      return { problems: [...judge(c, run, lane.emu.log.count()), ...s.leaks([run])] };
    });
    CASES.forEach((c, i) => results.set(c, outcome[i]));
  });

  for (const c of CASES) {
    it(`${c.name} -> names '${c.input}'`, () => {
      const r = results.get(c);
      assert.ok(r, 'did not run');
      if (r instanceof Error) throw r;
      assert.deepEqual(r.problems, [], r.problems.join('\n'));
    });
  }

  it('at least 40 cases', () => assert.ok(CASES.length >= 40, `${CASES.length}`));

  it('an unknown variable group: found after sign-in (only Azure DevOps knows), names the input, changes nothing', async () => {
    const emu = await startEmulator();
    try {
      const s = Sandbox.create(emu, 'bad-group');
      const old = s.seedRotation();
      const run = await s.run(s.rotateInputs({ variableGroup: 'Tokenz' }));
      assert.equal(run.result, 'Failed', describeRun(run));
      assert.match(run.message ?? '', /Variable group 'Tokenz' was not found in project 'Proj'/);
      assert.match(run.message ?? '', /Fix: .*variable group/i);
      const writes = emu.log.entries().filter((e) => ['pats.create', 'pats.revoke', 'pats.update'].includes(e.route) || (e.method !== 'GET' && e.service === 'variableGroups' && e.path.endsWith(`/${s.tokensGroupId}`)));
      assert.deepEqual(writes.map((e) => e.route), [], 'no PAT was created or revoked, the PAT store was not written');
      assert.deepEqual(s.activePats(PAT_NAME).map((p) => p.authorizationId), [old.authorizationId]);
      assert.deepEqual(s.violations(), []);
      s.assertNoLeaks([run]);
    } finally {
      await emu.close();
    }
  });
});

function judge(c: BadInput, run: TaskRun, requests: number): string[] {
  const problems: string[] = [];
  const message = run.message ?? '';
  if (run.result !== 'Failed') problems.push(`result ${run.result}: ${describeRun(run)}`);
  if (run.exitCode !== 1) problems.push(`exit code ${run.exitCode}`);
  if (requests !== 0) problems.push(`the emulator saw ${requests} request(s)`);
  const named = message.split('\n').filter((l) => /^Input '/.test(l));
  if (named.length !== 1) problems.push(`expected exactly one input error, got ${named.length}: ${JSON.stringify(message)}`);
  else {
    if (!named[0].startsWith(`Input '${c.input}':`)) problems.push(`the error names ${named[0].slice(0, named[0].indexOf(':'))}, not '${c.input}': ${named[0]}`);
    if (!/ Fix: \S/.test(named[0])) problems.push(`the error gives no fix: ${named[0]}`);
    if (c.says && !c.says.test(named[0])) problems.push(`the error does not say ${c.says}: ${named[0]}`);
  }
  if (run.errors.length !== 1) problems.push(`${run.errors.length} error issues logged`);
  return problems;
}
