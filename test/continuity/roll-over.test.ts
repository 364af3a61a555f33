/**
 * The refresh token roll-over, black box through the bundled task against the emulator: every run saves the token
 * Entra rolled (with its issue date) before it touches a PAT, hands it to later steps of the job, survives a store it
 * cannot write, warns early when the chain is about to break, never redeems one token twice, and a dry run writes
 * nothing at all.
 */
import { strict as assert } from 'node:assert';
import type { RequestLogEntry } from '../emulator/request-log';
import {
  ARM_CONNECTION,
  DAY_MS,
  DEPLOY_PAT,
  DEPLOY_SECRET,
  FEED_PAT,
  RT_VARIABLE,
  ScheduledPipeline,
  VAULT,
  type StepRun,
} from './scheduled-pipeline';

const AZURE_DEVOPS_RESOURCE = '499b84ac-1321-427f-aa17-267ca6975798';
const RT_SECRET = 'PatLifecycle-RefreshToken';
const LOGIN = /pat-lifecycle login --tenant-id \S+ --client-id \S+ --organization contoso/;

function entriesOf(p: ScheduledPipeline, step: StepRun): RequestLogEntry[] {
  return p.emu.log.entries((e) => e.seq >= step.firstSeq && e.seq <= step.lastSeq);
}

/**
 * The run's requests in order: the redemption first, then the refresh token store write, then the first request that
 * changes a PAT. Listing PATs changes nothing and may go out beside the write (docs/design.md, "The flow of one run").
 */
function assertSavedBeforeAnyPatChange(p: ScheduledPipeline, step: StepRun, isStoreWrite: (e: RequestLogEntry) => boolean): void {
  const entries = entriesOf(p, step);
  const order = entries.map((e) => `${e.route} ${e.method} ${e.path}`).join('\n  ');
  const changesPat = (e: RequestLogEntry) => e.route.startsWith('pats.') && e.method !== 'GET';
  assert.equal(entries[0]?.route, 'entra.token', `the refresh token is redeemed first:\n  ${order}`);
  const write = entries.findIndex(isStoreWrite);
  const firstChange = entries.findIndex(changesPat);
  assert.ok(write > 0, `the refresh token store is written:\n  ${order}`);
  assert.ok(firstChange === -1 || firstChange > write, `the refresh token store is written before the first request that changes a PAT:\n  ${order}`);
  assert.ok(entries.slice(0, write).every((e) => !changesPat(e)), `no PAT changed before the write:\n  ${order}`);
}

const isGroupPut = (groupId: number) => (e: RequestLogEntry) => e.route === 'variableGroups.update' && e.path.endsWith(`/variablegroups/${groupId}`) && e.status === 200;
const isVaultSet = (secret: string) => (e: RequestLogEntry) => e.route === 'kv.set' && e.path.toLowerCase().includes(`/secrets/${secret.toLowerCase()}`) && e.status === 200;

function assertSucceeded(step: StepRun, result: 'Succeeded' | 'SucceededWithIssues' = 'Succeeded'): void {
  const { run } = step;
  assert.equal(run.result, result, `${run.result}: ${run.message}\nwarnings: ${run.warnings.join('\n')}\n${run.stderr}`);
}

describe('refresh token roll-over (black box, continuity)', function () {
  this.timeout(120_000);
  let p: ScheduledPipeline;
  afterEach(async () => {
    await p?.close();
  });

  function assertClean(...steps: StepRun[]): void {
    for (const s of steps) assert.deepEqual(p.scan(s), [], 'nothing leaked');
  }

  it('variable group store: every run saves the rolled token with issuedAt/clientId/tenantId before any PAT is changed, as a secret output and job variable', async () => {
    p = await ScheduledPipeline.start({ feedDaysLeft: 9, deployDaysLeft: 9 });
    const { emu } = p;
    for (let day = 1; day <= 3; day++) {
      emu.clock.advance(DAY_MS);
      const jobStart = p.storedRefreshToken();
      const s1 = await p.step1({}, jobStart);
      assertSucceeded(s1);
      assertSavedBeforeAnyPatChange(p, s1, isGroupPut(p.signinGroupId));
      const rolled1 = s1.run.outputs['refreshToken'];
      assert.equal(rolled1?.secret, true, 'output refreshToken is a secret');
      assert.notEqual(rolled1.value, jobStart);
      assert.deepEqual(s1.run.variables[RT_VARIABLE], { value: rolled1.value, secret: true }, 'job variable refreshTokenVariableName, secret');
      assert.equal(p.storedRefreshToken(), rolled1.value, 'the group holds the rolled token');
      const vars = p.f.group(p.signinGroupId).variables;
      const issuedAt = Date.parse(vars[`${RT_VARIABLE}.issuedAt`].value);
      assert.ok(Math.abs(issuedAt - emu.clock.now()) < 60_000, `issuedAt is the run's time on the emulator clock (${vars[`${RT_VARIABLE}.issuedAt`].value})`);
      assert.equal(vars[`${RT_VARIABLE}.clientId`].value, p.f.clientId);
      assert.equal(vars[`${RT_VARIABLE}.tenantId`].value, emu.control.entra.defaultTenantId);
      assert.equal(vars[`${RT_VARIABLE}.issuedAt`].isSecret, false, 'the companions are plain variables');
      assert.equal(emu.control.entra.refreshTokenInfo(jobStart)?.redemptions, 1);
      assert.ok(s1.run.secretsRegistered.includes(rolled1.value), 'the rolled token is registered with the masker');
      if (day === 1) {
        // The bounded scan does see what this run could leak: its rolled refresh token, its access token.
        const leaky = (text: string) => p.scan({ ...s1, run: { ...s1.run, visibleLog: `${s1.run.visibleLog}\nleak: ${text}\n` } }, [], { planted: true });
        assert.equal(leaky(rolled1.value).length, 1);
        assert.equal(leaky(Buffer.from(`x:${jobStart}`).toString('base64')).length, 1);
        const accessToken = s1.run.secretsRegistered.find((v) => v.startsWith('eyJ'));
        assert.ok(accessToken && leaky(accessToken).length === 1, 'the access token is among the scanned secrets');
      }

      // Step 2 of the job: `$(PatLifecycle.RefreshToken)` is now step 1's job variable.
      const s2 = await p.step2(ScheduledPipeline.jobRefreshToken(jobStart, s1));
      assertSucceeded(s2);
      // deploy-bot asks for 45 days, the organization allows 30: a warning, and the step still Succeeded (the product's call).
      if (day === 2) assert.match(s2.run.warnings.join('\n'), /shortened PAT 'deploy-bot' .*\(30 days instead of the 45 requested\)/);
      assertSavedBeforeAnyPatChange(p, s2, isGroupPut(p.signinGroupId));
      assert.equal(emu.control.entra.refreshTokenInfo(rolled1.value)?.redemptions, 1, 'step 2 redeemed the token step 1 rolled');
      assert.equal(p.storedRefreshToken(), s2.run.outputs['refreshToken'].value);
      assertClean(s1, s2);
    }
    // 9 days left on day 0: both PATs were due on day 2, and rotated after the refresh token was saved.
    assert.equal(p.validPats(FEED_PAT).length, 1);
    assert.ok(p.isValidPat(p.storedFeedToken()) && p.isValidPat(p.storedDeployToken()));
  });

  it('Key Vault store: a new secret version tagged issuedAt/clientId/tenantId, written before any PAT is changed; the output carries the token', async () => {
    p = await ScheduledPipeline.start({ deployDaysLeft: 3 });
    const { emu } = p;
    emu.control.keyVault.setSecret(VAULT, RT_SECRET, p.f.refreshToken, { tags: { issuedAt: new Date(emu.clock.now()).toISOString() } });
    emu.clock.advance(DAY_MS);
    const s = await p.step2(p.f.refreshToken, { refreshTokenStore: 'keyVault', refreshTokenSecretName: RT_SECRET });
    assertSucceeded(s); // deploy-bot asks for 45 days; the organization allows 30: a warning, the step Succeeded
    assert.match(s.run.warnings.join('\n'), /shortened PAT 'deploy-bot'/);
    assertSavedBeforeAnyPatChange(p, s, isVaultSet(RT_SECRET));
    const versions = emu.control.keyVault.getSecret(VAULT, RT_SECRET).versions;
    assert.equal(versions.length, 2);
    const latest = versions.at(-1);
    assert.equal(latest.value, s.run.outputs['refreshToken'].value);
    assert.equal(s.run.outputs['refreshToken'].secret, true);
    assert.ok(Math.abs(Date.parse(latest.tags.issuedAt) - emu.clock.now()) < 60_000);
    assert.equal(latest.tags.clientId, p.f.clientId);
    assert.equal(latest.tags.tenantId, emu.control.entra.defaultTenantId);
    assert.equal(s.run.variables[RT_VARIABLE], undefined, 'no job variable: a Key Vault store is read through Key Vault');
    assert.ok(p.isValidPat(p.storedDeployToken()));
    assert.equal(p.validPats(DEPLOY_PAT).length, 1);
    assertClean(s);
  });

  it('a variable group PUT that keeps failing is a warning: the run goes on with the token in memory, the next step of the job gets it and saves its own', async () => {
    p = await ScheduledPipeline.start({ feedDaysLeft: 20, deployDaysLeft: 20 });
    const { emu } = p;
    emu.clock.advance(DAY_MS);
    const jobStart = p.storedRefreshToken();
    const issuedBefore = p.storedIssuedAt();
    // feed-reader is not due, so every variable group PUT of step 1 is the refresh token's.
    const fault = emu.faults.add({ route: 'variableGroups.update', status: 503, retryAfterSeconds: 0, times: Infinity });
    const s1 = await p.step1({}, jobStart);
    emu.faults.remove(fault);
    assertSucceeded(s1, 'SucceededWithIssues');
    assert.ok(emu.log.count((e) => e.seq >= s1.firstSeq && e.route === 'variableGroups.update' && e.fault !== undefined) >= 1, 'the PUT was faulted');
    const warning = s1.run.warnings.find((w) => /could not be saved/.test(w));
    assert.ok(warning, s1.run.warnings.join('\n'));
    assert.match(warning, /renewed refresh token could not be saved to variable group 'signin'.*This run continues with it; the next run reads the older one, which stops working in about 8\d days/s);
    assert.match(warning, LOGIN);
    assert.match(warning, /--variable-group "signin" --variable PatLifecycle\.RefreshToken/);
    assert.equal(p.storedRefreshToken(), jobStart, 'the store keeps the token it had');
    assert.equal(p.storedIssuedAt(), issuedBefore);
    assert.equal(s1.run.outputs['rotated'].value, 'false');
    assert.ok(emu.log.count((e) => e.seq >= s1.firstSeq && e.route === 'pats.list') >= 1, 'the run went on to the PAT API');
    const rolled = s1.run.outputs['refreshToken'];
    assert.equal(rolled?.secret, true);
    assert.deepEqual(s1.run.variables[RT_VARIABLE], { value: rolled.value, secret: true }, 'later steps get the renewed token, not the one already redeemed');

    const s2 = await p.step2(ScheduledPipeline.jobRefreshToken(jobStart, s1));
    assertSucceeded(s2);
    assert.equal(emu.control.entra.refreshTokenInfo(jobStart)?.redemptions, 1, 'the job-start token was redeemed once');
    assert.equal(emu.control.entra.refreshTokenInfo(rolled.value)?.redemptions, 1);
    assert.equal(p.storedRefreshToken(), s2.run.outputs['refreshToken'].value, 'step 2 saved its rolled token: the chain healed within the job');

    emu.clock.advance(DAY_MS);
    const next = await p.step1();
    assertSucceeded(next);
    assertClean(s1, s2, next);
  });

  it('a Key Vault 403 on the refresh token secret is a warning: the rotation still happens and the output carries the token', async () => {
    p = await ScheduledPipeline.start({ feedDaysLeft: 3 });
    const { emu } = p;
    // A second vault where the service connection may read secrets but not set them (Key Vault Secrets User).
    const signin = emu.control.keyVault.addVault({ name: 'signin-kv', access: { [p.sp.objectId]: 'user' } });
    emu.control.keyVault.setSecret('signin-kv', RT_SECRET, p.f.refreshToken, { tags: { issuedAt: new Date(emu.clock.now()).toISOString() } });
    emu.clock.advance(DAY_MS);
    const s = await p.step1({ refreshTokenStore: 'keyVault', refreshTokenSecretName: RT_SECRET, azureSubscription: ARM_CONNECTION, keyVault: signin.url }, p.f.refreshToken);
    assertSucceeded(s, 'SucceededWithIssues');
    const kvSet = emu.log.entries((e) => e.seq >= s.firstSeq && e.route === 'kv.set');
    assert.deepEqual(kvSet.map((e) => e.status), [403], 'the vault refused the write (RBAC)');
    const warning = s.run.warnings.find((w) => /could not be saved/.test(w));
    assert.ok(warning, s.run.warnings.join('\n'));
    assert.match(warning, /renewed refresh token could not be saved to .*signin-kv.*This run continues with it/s);
    assert.match(warning, /Forbidden|403|not authorized/i);
    assert.match(warning, /pat-lifecycle login .*--key-vault https:\/\/signin-kv\.vault\.emulator\.test:\d+ --secret PatLifecycle-RefreshToken/);
    assert.equal(emu.control.keyVault.getSecret('signin-kv', RT_SECRET).versions.length, 1, 'the vault keeps the token it had');
    assert.equal(s.run.outputs['refreshToken']?.secret, true, 'the output still carries the renewed token');
    // The run went on: feed-reader (3 days left) was rotated into its variable group.
    assert.equal(s.run.outputs['rotated'].value, 'true');
    assert.ok(p.isValidPat(p.storedFeedToken()));
    assert.equal(p.validPats(FEED_PAT).length, 1);
    assertClean(s);
  });

  it('warns with the days left and the sign-in command when the stored token is older than refreshTokenMaxAgeDays (default 60), then renews it', async () => {
    p = await ScheduledPipeline.start({ feedDaysLeft: 80 });
    const { emu } = p;
    emu.clock.advance(61 * DAY_MS); // the schedule did not run for 61 days; the token still works (90)
    const s = await p.step1();
    assertSucceeded(s, 'SucceededWithIssues');
    const warning = s.run.warnings.find((w) => /had not been renewed/.test(w));
    assert.ok(warning, s.run.warnings.join('\n'));
    assert.match(warning, /variable group 'signin'.* had not been renewed for 61 days \(more than refreshTokenMaxAgeDays, 60\); it had about 29 days left of its 90\. It is renewed now/s);
    assert.match(warning, LOGIN);
    const issued = Date.parse(p.storedIssuedAt()!);
    assert.ok(Math.abs(issued - emu.clock.now()) < 60_000, 'renewed now');

    emu.clock.advance(DAY_MS);
    const next = await p.step1();
    assertSucceeded(next);
    assert.deepEqual(next.run.warnings, []);
    assertClean(s, next);
  });

  it('honours refreshTokenMaxAgeDays: 10 after a 12-day gap', async () => {
    p = await ScheduledPipeline.start({ feedDaysLeft: 30 });
    p.emu.clock.advance(12 * DAY_MS);
    const s = await p.step1({ refreshTokenMaxAgeDays: 10 });
    assertSucceeded(s, 'SucceededWithIssues');
    assert.match(s.run.warnings.join('\n'), /had not been renewed for 12 days \(more than refreshTokenMaxAgeDays, 10\); it had about 78 days left of its 90\./);
    assert.match(s.run.warnings.join('\n'), LOGIN);
    assertClean(s);
  });

  it('warns with the days left and the sign-in command when Entra did not roll the token; the stored one is kept', async () => {
    p = await ScheduledPipeline.start({ feedDaysLeft: 80 });
    const { emu } = p;
    emu.clock.advance(30 * DAY_MS);
    const stored = p.storedRefreshToken();
    const issuedBefore = p.storedIssuedAt();
    // Entra answers the redemption with an access token and no refresh token (as it does when it does not roll one).
    const accessToken = emu.core.issueAccessToken(
      {
        kind: 'user',
        userId: p.f.user.userId,
        objectId: p.f.user.userId,
        upn: p.f.user.upn,
        tenantId: emu.control.entra.defaultTenantId,
        clientId: p.f.clientId,
        audience: AZURE_DEVOPS_RESOURCE,
        scopes: ['user_impersonation'],
      },
      AZURE_DEVOPS_RESOURCE,
      3600,
    );
    const clientInfo = Buffer.from(JSON.stringify({ uid: p.f.user.userId, utid: emu.control.entra.defaultTenantId })).toString('base64url');
    emu.faults.add({
      route: 'entra.token',
      status: 200,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: { token_type: 'Bearer', scope: `${AZURE_DEVOPS_RESOURCE}/user_impersonation`, expires_in: 3600, ext_expires_in: 3600, access_token: accessToken, client_info: clientInfo },
    });
    const s = await p.step1();
    assertSucceeded(s, 'SucceededWithIssues');
    const warning = s.run.warnings.find((w) => /did not return a new refresh token/.test(w));
    assert.ok(warning, `${s.run.warnings.join('\n')}\n${s.run.message}`);
    assert.match(warning, /Entra did not return a new refresh token, so the one in variable group 'signin'.* was not renewed\. It was saved 30 days ago, so it stops working in about 60 days\. Sign in again before then: /s);
    assert.match(warning, LOGIN);
    assert.equal(p.storedRefreshToken(), stored, 'the stored token stays');
    assert.equal(p.storedIssuedAt(), issuedBefore);
    assert.equal(s.run.outputs['refreshToken'], undefined, 'no new token to hand out');
    assert.equal(s.run.variables[RT_VARIABLE], undefined);
    assert.equal(emu.log.count((e) => e.seq >= s.firstSeq && e.route === 'variableGroups.update'), 0, 'nothing written');
    assert.ok(emu.log.count((e) => e.seq >= s.firstSeq && e.route === 'pats.list') >= 1, 'the run went on with the access token');
    assertClean(s);
  });

  it('never redeems one refresh token twice over many runs: two-step jobs, a failed save, a failed step, an Entra 503', async () => {
    p = await ScheduledPipeline.start({ feedDaysLeft: 9, deployDaysLeft: 5 });
    const { emu } = p;
    const results: string[] = [];
    for (let day = 1; day <= 8; day++) {
      emu.clock.advance(DAY_MS);
      const faults: string[] = [];
      if (day === 3) faults.push(emu.faults.add({ route: 'variableGroups.update', status: 503, retryAfterSeconds: 0, times: Infinity }));
      if (day === 5) faults.push(emu.faults.add({ service: 'keyVault', status: 503, retryAfterSeconds: 0, times: Infinity }));
      if (day === 6) emu.control.entra.failNextRedemption({ status: 503, retryAfterSeconds: 0 });
      const jobStart = p.storedRefreshToken();
      const s1 = await p.step1({}, jobStart);
      if (day === 3) for (const id of faults.splice(0)) emu.faults.remove(id);
      const s2 = await p.step2(ScheduledPipeline.jobRefreshToken(jobStart, s1));
      for (const id of faults) emu.faults.remove(id);
      results.push(`${day}: ${s1.run.result}/${s2.run.result}`);
      assertClean(s1, s2);
    }
    const tokens = emu.control.entra.refreshTokens({ clientId: p.f.clientId });
    const twice = tokens.filter((t) => t.redemptions > 1);
    assert.deepEqual(twice.map((t) => t.redemptions), [], `no token redeemed twice (${results.join(', ')})`);
    assert.equal(tokens.length, 17, 'one sign-in and 16 redemptions, each rolled');
    assert.ok(results[2].startsWith('3: SucceededWithIssues'), results[2]);
    assert.ok(results[4].endsWith('/Failed'), results[4]);
    assert.ok(p.isValidPat(p.storedFeedToken()) && p.isValidPat(p.storedDeployToken()));
  });

  it('dryRun writes nothing: not the refresh token store, not a PAT, not a PAT store (variable group and Key Vault stores)', async () => {
    p = await ScheduledPipeline.start({ feedDaysLeft: 3, deployDaysLeft: 3 });
    const { emu } = p;
    emu.control.keyVault.setSecret(VAULT, RT_SECRET, p.f.refreshToken, { tags: { issuedAt: new Date(emu.clock.now()).toISOString() } });
    emu.clock.advance(DAY_MS);
    const snapshot = () =>
      JSON.stringify({
        signin: p.f.group(p.signinGroupId).variables,
        feeds: p.f.group(p.feedsGroupId).variables,
        vault: [DEPLOY_SECRET, RT_SECRET].map((n) => emu.control.keyVault.getSecret(VAULT, n).versions),
        pats: p.pats(),
      });
    const before = snapshot();
    const from = p.lastSeq() + 1;
    const s1 = await p.step1({ dryRun: true });
    const s2 = await p.step2(ScheduledPipeline.jobRefreshToken(p.storedRefreshToken(), s1), { dryRun: true });
    const s3 = await p.step2(p.f.refreshToken, { dryRun: true, refreshTokenStore: 'keyVault', refreshTokenSecretName: RT_SECRET });
    for (const s of [s1, s2, s3]) {
      assertSucceeded(s);
      assert.equal(s.run.outputs['rotated'].value, 'false');
      assert.equal(s.run.outputs['token'], undefined);
      assert.equal(s.run.variables[RT_VARIABLE], undefined, 'no job variable either');
      assert.match(s.run.info.join('\n'), /Dry run/);
      assert.match(s.run.summaryMarkdown ?? '', /the new refresh token was not saved/);
    }
    assert.equal(snapshot(), before, 'no store and no PAT changed');
    const writes = emu.log.entries((e) => e.seq >= from && e.method !== 'GET' && e.route !== 'entra.token');
    assert.deepEqual(writes.map((e) => `${e.method} ${e.route}`), [], 'no request but reads and sign-ins');
    assertClean(s1, s2, s3);
  });
});

