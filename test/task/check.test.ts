/**
 * action check, black box: one test per prerequisite, present and missing. Check signs in, reads, and writes
 * nothing: every test also asserts that no request changed anything in Azure DevOps or Key Vault (the opt-in PAT
 * creation probe aside), and that the renewed refresh token was neither saved nor handed on.
 */
import { strict as assert } from 'node:assert';
import { ORG, PROJECT, TaskFixture, useTaskFixture } from './task-fixture';
import type { TaskRun } from '../support/run-task';

const RT_VARIABLE = 'PatLifecycle.RefreshToken';
const WRITE = /^(POST|PUT|DELETE|PATCH)$/;

describe('PatLifecycle@1 action check (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));

  /** The step as a first-time user writes it: a rotate into a variable group, the refresh token kept in another. */
  function setUp(o: { pat?: boolean } = {}): void {
    if (o.pat ?? true) f.seedPat('feed-reader', { daysLeft: 20 });
    f.addGroup('Tokens');
    f.addGroup('signin', { [RT_VARIABLE]: { value: f.refreshToken, isSecret: true } });
  }

  const checkInputs = (extra: Record<string, string | number | boolean | undefined> = {}) => ({
    action: 'check',
    patName: 'feed-reader',
    variableGroup: 'Tokens',
    variableName: 'FeedPat',
    refreshTokenStore: 'variableGroup',
    refreshTokenVariableGroup: 'signin',
    refreshTokenVariableName: RT_VARIABLE,
    ...extra,
  });

  /** The log line of a prerequisite: `[state] <prerequisite>: …`. */
  function line(run: TaskRun, prerequisite: string | RegExp): string {
    const lines = run.visibleLog.split('\n').filter((l) => /\[(ok|missing|not checked)\] /.test(l));
    const found = lines.find((l) => (typeof prerequisite === 'string' ? l.includes(`] ${prerequisite}:`) : prerequisite.test(l)));
    assert.ok(found, `no check line for ${prerequisite} in:\n${lines.join('\n')}`);
    return found.slice(found.indexOf('['));
  }

  function assertState(run: TaskRun, prerequisite: string | RegExp, state: 'ok' | 'missing' | 'not checked'): string {
    const l = line(run, prerequisite);
    assert.ok(l.startsWith(`[${state}] `), `expected ${state}: ${l}`);
    return l;
  }

  /** No write to Azure DevOps or Key Vault; the refresh token was not saved, not set for later steps, not output. */
  function assertNothingWritten(run: TaskRun, allowed: RegExp = /^$/): void {
    const writes = f.emu.log.entries().filter((e) => e.service !== 'entra' && e.service !== 'oidc' && e.service !== 'msi' && WRITE.test(e.method) && !allowed.test(e.route));
    assert.deepEqual(writes.map((e) => `${e.method} ${e.route}`), [], 'check sent a write');
    assert.equal(run.variables[RT_VARIABLE], undefined, 'the renewed refresh token is not set for later steps');
    assert.equal(run.outputs['refreshToken'], undefined);
    f.assertNoSecrets(run);
  }

  it('succeeds when every prerequisite is there: each line ok, the policy line not checked, nothing written and the refresh token not saved', async () => {
    setUp();
    const saved = f.emu.control.entra.refreshTokens({ userId: f.user.userId }).length;
    const run = await f.run(checkInputs());
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.visibleLog}`);
    assertState(run, 'Inputs', 'ok');
    assert.match(assertState(run, 'Sign-in', 'ok'), /signed in as ada@contoso\.com .*check does not save/);
    assert.match(assertState(run, 'PAT Lifecycle API', 'ok'), /accepts ada@contoso\.com for organization 'contoso' \(1 active PAT\)/);
    assert.match(assertState(run, "PAT 'feed-reader'", 'ok'), /1 active PAT .*variable group 'Tokens', variable 'FeedPat' is empty/);
    assert.match(assertState(run, "Variable group 'Tokens' (PAT destination)", 'ok'), /not linked to Key Vault/);
    assertState(run, "Administrator role on variable group 'Tokens'", 'ok');
    assertState(run, "Variable group 'signin' (refresh token store)", 'ok');
    assertState(run, "Administrator role on variable group 'signin'", 'ok');
    assert.match(assertState(run, 'PAT creation policy', 'not checked'), /Set checkPatCreation: true/);
    assert.match(run.message ?? '', /^check: 8 ok, 0 missing, 1 not checked/);
    assert.match(run.summaryMarkdown ?? '', /\| Administrator role on variable group 'Tokens' \| ✅ ok \|/);
    assert.match(run.summaryMarkdown ?? '', /\| PAT creation policy \| ➖ not checked \|/);
    assertNothingWritten(run);
    // The redeem made a new refresh token; the group still holds the one the step started with.
    assert.equal(f.emu.control.entra.refreshTokens({ userId: f.user.userId }).length, saved + 1);
    assert.equal(f.emu.control.variableGroups.get(ORG, f.emu.control.variableGroups.list(ORG).find((g: { name: string }) => g.name === 'signin')!.id).variables[RT_VARIABLE].value, f.refreshToken);
  });

  describe('sign-in', () => {
    for (const [code, fix] of [
      ['7000218', /Allow public client flows/],
      ['700082', /pat-lifecycle login --tenant-id .* --variable-group "signin" --variable PatLifecycle\.RefreshToken/],
      // Consent missing, MFA and conditional access, wrong app or tenant: each with the fix the sign-in error gives.
      ['65001', /Grant consent .*user_impersonation/],
      ['50076', /multi-factor|MFA/i],
      ['53003', /Entra administrator which policy applies/],
      ['700016', /'clientId' and 'tenantId'/],
      ['90002', /Check the input 'tenantId'/],
    ] as const) {
      it(`AADSTS${code}: missing with the fix; the PATs and user-token stores not checked; fails`, async () => {
        setUp();
        f.emu.control.entra.failNextRedemption({ code: Number(code) });
        const run = await f.run(checkInputs());
        assert.equal(run.result, 'Failed');
        const l = assertState(run, 'Sign-in', 'missing');
        assert.match(l, new RegExp(`AADSTS${code}`));
        assert.match(l, fix);
        assertState(run, 'PAT Lifecycle API', 'not checked');
        assertState(run, "Variable group 'Tokens' (PAT destination)", 'not checked');
        assert.match(run.message ?? '', new RegExp(`Sign-in: .*AADSTS${code}`));
        assertNothingWritten(run);
      });
    }
  });

  it('PAT Lifecycle API: missing when Azure DevOps answers with its sign-in page', async () => {
    setUp();
    f.emu.faults.add({ route: /^pats\.list/, kind: 'html203', times: Infinity });
    const run = await f.run(checkInputs());
    assert.equal(run.result, 'Failed');
    assert.match(assertState(run, 'PAT Lifecycle API', 'missing'), /sign-in page.*Fix: /);
    assertState(run, 'PATs of the step', 'not checked');
    assertNothingWritten(run);
  });

  describe('the PAT the step names', () => {
    it('missing when no PAT of the name exists, with how to create it', async () => {
      setUp({ pat: false });
      const run = await f.run(checkInputs());
      assert.equal(run.result, 'Failed');
      assert.match(assertState(run, "PAT 'feed-reader'", 'missing'), /no PAT of this name .*Fix: Create it first \(action create/);
      assertNothingWritten(run);
    });

    it('missing when two active PATs share the name and no destination records either: a rotate would stop', async () => {
      setUp();
      f.seedPat('feed-reader', { daysLeft: 25 });
      const run = await f.run(checkInputs());
      assert.equal(run.result, 'Failed');
      assert.match(assertState(run, "PAT 'feed-reader'", 'missing'), /2 active PATs have this name .*Fix: Set takeNewest: true/);
      assertNothingWritten(run);
    });

    it('ok with two of the name when the destination records one of them', async () => {
      const held = f.seedPat('feed-reader', { daysLeft: 20 });
      f.seedPat('feed-reader', { daysLeft: 25 });
      f.addGroup('Tokens', { FeedPat: { value: held.token, isSecret: true }, 'FeedPat.authorizationId': held.authorizationId, 'FeedPat.validTo': held.validTo });
      f.addGroup('signin', { [RT_VARIABLE]: { value: f.refreshToken, isSecret: true } });
      const run = await f.run(checkInputs());
      assert.equal(run.result, 'Succeeded', run.message);
      assert.match(assertState(run, "PAT 'feed-reader'", 'ok'), new RegExp(`rotate takes ${held.authorizationId}, which a destination records`));
      assertNothingWritten(run);
    });

    it('ok with two of the name and takeNewest: true', async () => {
      setUp();
      f.seedPat('feed-reader', { daysLeft: 25 });
      const run = await f.run(checkInputs({ takeNewest: true }));
      assert.equal(run.result, 'Succeeded', run.message);
      assert.match(assertState(run, "PAT 'feed-reader'", 'ok'), /takeNewest: true takes the newest/);
    });
  });

  describe('variable groups', () => {
    it('a PAT destination linked to Key Vault: missing, with target keyVault as the fix', async () => {
      f.seedPat('feed-reader');
      f.emu.control.variableGroups.add(ORG, PROJECT, {
        name: 'Tokens',
        variables: {},
        administrators: [f.user.userId],
        keyVault: { serviceEndpointId: '0f8fad5b-d9cb-469f-a165-70867728950e', vault: 'contoso-secrets', secrets: { FeedPat: { contentType: 'text/plain' } } },
      });
      f.addGroup('signin', { [RT_VARIABLE]: { value: f.refreshToken, isSecret: true } });
      const run = await f.run(checkInputs());
      assert.equal(run.result, 'Failed');
      assert.match(assertState(run, "Variable group 'Tokens' (PAT destination)", 'missing'), /linked to Azure Key Vault 'contoso-secrets'.*Fix: Store the PAT in the vault itself: target: keyVault/);
      assertNothingWritten(run);
    });

    it('the user is only a Reader of the PAT destination: the Administrator role is missing, naming Library > Security', async () => {
      setUp();
      const id = f.emu.control.variableGroups.list(ORG).find((g: { name: string }) => g.name === 'Tokens')!.id;
      f.emu.control.variableGroups.grant(ORG, id, f.user.userId, 'Reader');
      const run = await f.run(checkInputs());
      assert.equal(run.result, 'Failed');
      assertState(run, "Variable group 'Tokens' (PAT destination)", 'ok');
      assert.match(
        assertState(run, "Administrator role on variable group 'Tokens'", 'missing'),
        /not an Administrator of it.*Fix: Pipelines > Library > 'Tokens' > Security: give the signed-in user \(or a group of theirs\) the Administrator role/,
      );
      assert.match(run.message ?? '', /Administrator role on variable group 'Tokens'/);
      assert.ok(f.emu.log.entries().some((e) => e.route.startsWith('variableGroups.') && /actionFilter=manage/.test(e.query)), 'the role was read with actionFilter=manage');
      assertNothingWritten(run);
    });

    it('a missing group: missing, saying the task does not create groups', async () => {
      f.seedPat('feed-reader');
      f.addGroup('signin', { [RT_VARIABLE]: { value: f.refreshToken, isSecret: true } });
      const run = await f.run(checkInputs());
      assert.equal(run.result, 'Failed');
      assert.match(assertState(run, "Variable group 'Tokens' (PAT destination)", 'missing'), /was not found in project 'Proj'.*Fix: Create the variable group first/);
      assertState(run, "Administrator role on variable group 'Tokens'", 'not checked');
    });

    it("the refresh token store's line tells how old the saved token is", async () => {
      f.seedPat('feed-reader');
      f.addGroup('Tokens');
      const issuedAt = new Date(f.emu.clock.now() - 70 * 86_400_000).toISOString();
      f.addGroup('signin', { [RT_VARIABLE]: { value: f.refreshToken, isSecret: true }, [`${RT_VARIABLE}.issuedAt`]: issuedAt });
      const run = await f.run(checkInputs());
      assert.equal(run.result, 'Succeeded', run.message);
      assert.match(assertState(run, "Variable group 'signin' (refresh token store)", 'ok'), /saved refresh token is 70 day\(s\) old \(about 20 days left.*more than refreshTokenMaxAgeDays \(60\)/);
      assertNothingWritten(run);
    });
  });

  describe('Key Vault', () => {
    function vaultStep(role: 'officer' | 'reader' | undefined) {
      const sp = f.emu.control.entra.addApp({ kind: 'confidential' });
      f.extraSecrets.push(sp.secret!);
      const vault = f.emu.control.keyVault.addVault({ name: 'contoso-secrets', access: role ? { [sp.objectId]: role } : {} });
      f.emu.control.keyVault.setSecret('contoso-secrets', 'PatLifecycle-RefreshToken', f.refreshToken, { tags: { issuedAt: new Date(f.emu.clock.now() - 3 * 86_400_000).toISOString() } });
      f.seedPat('feed-reader');
      const inputs = checkInputs({
        target: 'keyVault',
        variableGroup: undefined,
        variableName: undefined,
        azureSubscription: 'arm',
        keyVault: vault.url,
        secretName: 'FeedPat',
        refreshTokenStore: 'keyVault',
        refreshTokenSecretName: 'PatLifecycle-RefreshToken',
        refreshTokenVariableGroup: undefined,
        refreshTokenVariableName: undefined,
      });
      return f.run(inputs, { endpoints: { arm: f.servicePrincipalEndpoint(sp) } });
    }

    it('readable secrets are ok; permission to set them is not checked, naming Key Vault Secrets Officer', async () => {
      const run = await vaultStep('officer');
      assert.equal(run.result, 'Succeeded', `${run.message}\n${run.visibleLog}`);
      assert.match(assertState(run, "Key Vault secret 'FeedPat' (PAT destination)", 'ok'), /does not exist yet \(the first run creates it\)/);
      assert.match(assertState(run, "Key Vault secret 'PatLifecycle-RefreshToken' (refresh token store)", 'ok'), /3 day\(s\) old/);
      assert.match(assertState(run, "Permission to set Key Vault secret 'FeedPat'", 'not checked'), /Key Vault Secrets Officer/);
      assertNothingWritten(run);
    });

    it("missing when the connection's identity has no access to the vault", async () => {
      const run = await vaultStep(undefined);
      assert.equal(run.result, 'Failed');
      assert.match(assertState(run, "Key Vault secret 'FeedPat' (PAT destination)", 'missing'), /Fix: /);
      assertNothingWritten(run);
    });
  });

  describe('service connection', () => {
    function addConnection(o: { administrators: string[]; type?: string; scheme?: string; parameters?: Record<string, string>; sharedWith?: string[] }): string {
      return f.emu.control.serviceEndpoints.add(ORG, PROJECT, {
        sharedWith: o.sharedWith,
        name: 'Fabrikam feed',
        type: o.type ?? 'externalnpmregistry',
        url: 'https://pkgs.dev.azure.com/fabrikam/_packaging/feed/npm/registry/',
        scheme: o.scheme ?? 'Token',
        parameters: o.parameters ?? { apitoken: 'placeholder-not-a-pat' },
        administrators: o.administrators,
      });
    }
    const connectionInputs = () => checkInputs({ target: 'serviceConnection', serviceConnection: 'Fabrikam feed', variableGroup: undefined, variableName: undefined });

    it('ok when the user administers a connection of a supported type (read with actionFilter=manage)', async () => {
      setUp();
      addConnection({ administrators: [f.user.userId] });
      const run = await f.run(connectionInputs());
      assert.equal(run.result, 'Succeeded', `${run.message}\n${run.visibleLog}`);
      assertState(run, "Service connection 'Fabrikam feed' (PAT destination)", 'ok');
      assertState(run, "Administrator role on service connection 'Fabrikam feed'", 'ok');
      assert.ok(f.emu.log.entries().some((e) => e.route.startsWith('serviceEndpoints.') && /actionFilter=manage/.test(e.query)));
      assertNothingWritten(run);
    });

    it('missing when the user is only a User of the connection', async () => {
      setUp();
      addConnection({ administrators: [] });
      const run = await f.run(connectionInputs());
      assert.equal(run.result, 'Failed');
      assert.match(assertState(run, "Administrator role on service connection 'Fabrikam feed'", 'missing'), /Fix: Project settings > Service connections > 'Fabrikam feed' > Security/);
      assertNothingWritten(run);
    });

    it('a connection shared with other projects: missing, naming each project where the user is not an Administrator', async () => {
      setUp();
      f.emu.control.devops.addProject(ORG, { name: 'Shared' });
      f.emu.control.devops.addProject(ORG, { name: 'Third' });
      const id = addConnection({ administrators: [], sharedWith: ['Shared', 'Third'] });
      f.emu.control.serviceEndpoints.grant(ORG, id, f.user.userId, 'Administrator', PROJECT);
      const run = await f.run(connectionInputs());
      assert.equal(run.result, 'Failed');
      const l = assertState(run, "Administrator role on service connection 'Fabrikam feed'", 'missing');
      assert.match(l, /not an Administrator of the connection in projects 'Shared', 'Third'/);
      assert.match(l, /Security in project 'Shared'; .*Security in project 'Third'/);
      assert.doesNotMatch(l, new RegExp(`in project '${PROJECT}'`));
      assertNothingWritten(run);
    });

    it('missing when the connection holds no PAT the task can write', async () => {
      setUp();
      // A NuGet connection with an API key (scheme None) holds no PAT.
      addConnection({ administrators: [f.user.userId], type: 'externalnugetfeed', scheme: 'None', parameters: { nugetkey: 'nuget-api-key-1234' } });
      const run = await f.run(connectionInputs());
      assert.equal(run.result, 'Failed');
      assert.match(assertState(run, "Service connection 'Fabrikam feed' (PAT destination)", 'missing'), /holds no Azure DevOps PAT the task can write/);
      assertNothingWritten(run);
    });
  });

  describe('the sign-in kept in a service connection (signInConnection)', () => {
    const connectionInputs = (id: string) => ({ action: 'check', patName: 'feed-reader', variableGroup: 'Tokens', variableName: 'FeedPat', signInConnection: id, refreshTokenStore: 'serviceConnection' });

    it('reads the connection as the refresh token store: the sign-in found, its age, the Administrator role; nothing written', async () => {
      f.seedPat('feed-reader', { daysLeft: 20 });
      f.addGroup('Tokens');
      const id = f.addSignInConnection({ issuedAt: new Date(f.emu.clock.now() - 70 * 86_400_000).toISOString() });
      const run = await f.run(connectionInputs(id), { endpoints: f.connectionAtJobStart(id) });
      assert.equal(run.result, 'Succeeded', `${run.message}\n${run.visibleLog}`);
      assert.match(assertState(run, `Service connection '${id}' (refresh token store)`, 'ok'), /'PAT Lifecycle sign-in' found .*a PAT Lifecycle sign-in\. The saved refresh token is 70 day\(s\) old .*more than refreshTokenMaxAgeDays \(60\)/);
      assert.match(assertState(run, `Administrator role on service connection '${id}'`, 'ok'), /write the renewed refresh token back/);
      assertNothingWritten(run);
      assert.equal(run.variables[`PatLifecycle.SignIn.${id.replace(/-/g, '')}`], undefined, 'the renewed token is not handed to later steps');
    });

    it('without the Administrator role on the connection: missing, naming where to grant it', async () => {
      f.seedPat('feed-reader', { daysLeft: 20 });
      f.addGroup('Tokens');
      const id = f.addSignInConnection({ administrators: [] });
      const run = await f.run(connectionInputs(id), { endpoints: f.connectionAtJobStart(id) });
      assert.equal(run.result, 'Failed');
      assert.match(assertState(run, `Administrator role on service connection '${id}'`, 'missing'), /cannot write the renewed refresh token back.*Fix: Project settings > Service connections > 'PAT Lifecycle sign-in' > Security/);
      assertNothingWritten(run);
    });
  });

  describe('PAT creation policy (checkPatCreation: true)', () => {
    it('creates a 1-day PAT named for the run and revokes it at once: ok', async () => {
      setUp();
      const run = await f.run(checkInputs({ checkPatCreation: true }));
      assert.equal(run.result, 'Succeeded', `${run.message}\n${run.visibleLog}`);
      assert.match(assertState(run, 'PAT creation policy', 'ok'), /scopes vso\.profile: PAT 'pat-lifecycle-check-probe-[0-9a-f]{8}' was created for 1 day and revoked at once/);
      const probes = f.pats().filter((p) => p.displayName.startsWith('pat-lifecycle-check-'));
      assert.equal(probes.length, 1);
      assert.equal(probes[0].state, 'revoked');
      assert.equal(f.emu.log.count({ route: 'pats.create' }), 1);
      assert.equal(f.emu.log.count({ route: 'pats.revoke' }), 1);
      assertNothingWritten(run, /^pats\.(create|revoke)$/);
    });

    it("the probe's create is carried out but its answer lost: the PAT named for the run is found and revoked; not checked", async () => {
      setUp();
      // An earlier check's probe someone kept, and a hand-made PAT: neither is this run's, neither may be revoked.
      const earlier = f.seedPat('pat-lifecycle-check-probe-0badc0de', { scope: 'vso.profile', daysLeft: 1 });
      const handMade = f.seedPat('release-bot', { scope: 'vso.release', daysLeft: 40 });
      f.emu.faults.add({ route: 'pats.create', kind: 'reset', phase: 'after' });
      const run = await f.run(checkInputs({ checkPatCreation: true }));
      assert.match(assertState(run, 'PAT creation policy', 'not checked'), /answer to the probe's create was lost .*was revoked/);
      const probes = f.pats().filter((p) => p.displayName.startsWith('pat-lifecycle-check-') && p.authorizationId !== earlier.authorizationId);
      assert.deepEqual(probes.map((p) => p.state), ['revoked'], 'the PAT the lost create made');
      for (const other of [earlier, handMade]) assert.equal(f.pats().find((p) => p.authorizationId === other.authorizationId)?.state, 'active', `${other.displayName} left alone`);
      assertNothingWritten(run, /^pats\.(create|revoke)$/);
    });

    it("the probe's PAT cannot be revoked: missing, naming the PAT to revoke by hand", async () => {
      setUp();
      f.emu.faults.add({ route: 'pats.revoke', status: 403, times: Infinity });
      const run = await f.run(checkInputs({ checkPatCreation: true }));
      assert.equal(run.result, 'Failed');
      const probe = f.pats().find((p) => p.displayName.startsWith('pat-lifecycle-check-'));
      assert.ok(probe, 'the probe was created');
      assert.match(assertState(run, 'PAT creation policy', 'missing'), new RegExp(`create PAT '${probe.displayName}' \\(${probe.authorizationId}\\), but revoking it failed.*Fix: Revoke it under User settings > Personal access tokens`));
      assertNothingWritten(run, /^pats\.(create|revoke)$/);
    });

    it("the organization's 'Restrict personal access token creation' policy (named by API 7.2, which the task calls): missing, naming the allow list", async () => {
      setUp();
      f.emu.control.devops.setPolicy(ORG, { restrictCreation: true });
      const run = await f.run(checkInputs({ checkPatCreation: true }));
      assert.equal(run.result, 'Failed');
      assert.match(assertState(run, 'PAT creation policy', 'missing'), /patTokenError:disablePatCreationPolicyViolation.*Fix: .*allow list of the policy .Restrict personal access token \(PAT\) creation/);
      assert.ok(f.emu.log.entries({ route: 'pats.create' }).every((e) => e.query.includes('api-version=7.2-preview.1')));
      assert.equal(f.pats().filter((p) => p.displayName.startsWith('pat-lifecycle-check-')).length, 0);
      assertNothingWritten(run, /^pats\.create$/);
    });

    it('a full-scope policy shows when the step asks for full access: missing, naming scopes', async () => {
      setUp();
      f.emu.control.devops.setPolicy(ORG, { blockFullScope: true });
      const run = await f.run(checkInputs({ checkPatCreation: true, scopes: 'app_token', allowFullAccess: true }));
      assert.equal(run.result, 'Failed');
      assert.match(assertState(run, 'PAT creation policy', 'missing'), /fullScopePatPolicyViolation.*Fix: Name the scopes the PAT needs in 'scopes'/);
    });

    for (const [value, fix] of [
      ['disablePatCreationPolicyViolation', /Fix: A Project Collection Administrator adds the user .* allow list of the policy 'Restrict personal access token \(PAT\) creation'/],
      ['globalPATCreationBlocked', /Fix: The task creates only organization-scoped PATs/],
      ['globalPatPolicyViolation', /Fix: The task creates only organization-scoped PATs .*Restrict global personal access token creation/],
      ['failedToReadOrgPolicy', /Fix: Azure DevOps could not read the organization's PAT policies.*Run the check again/],
    ] as const) {
      it(`${value} (API 7.2 answer): missing with its fix`, async () => {
        setUp();
        f.emu.faults.add({ route: 'pats.create', status: 200, body: { patToken: null, patTokenError: value, patTokenErrorMessage: 'Refused by policy.' } });
        const run = await f.run(checkInputs({ checkPatCreation: true }));
        assert.equal(run.result, 'Failed');
        const l = assertState(run, 'PAT creation policy', 'missing');
        assert.match(l, new RegExp(`patTokenError:${value}`));
        assert.match(l, fix);
        assertNothingWritten(run, /^pats\.create$/);
      });
    }
  });

  it('a bad input fails before any request, as every action does', async () => {
    const run = await f.run({ action: 'check', patName: 'x', checkPatCreation: 'maybe', target: 'outputOnly' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /checkPatCreation/);
    assert.equal(f.emu.log.entries().length, 0);
  });
});
