/**
 * signInConnection: the sign-in kept in a PAT Lifecycle sign-in service connection (the extension's own endpoint
 * type), handed to the bundled task as the agent does (ENDPOINT_URL_/ENDPOINT_AUTH_<id>, captured at job start), and
 * the rolled refresh token written back into that connection before any PAT is touched. Every run's traffic is
 * checked against serviceEndpoint 7.1 by the harness, and every secret it was handed is looked for in its output.
 */
import { strict as assert } from 'node:assert';
import { ORG, PROJECT, TaskFixture, useTaskFixture } from './task-fixture';
import type { TaskRun } from '../support/run-task';

const DAY = 86_400_000;
const RECORD = '[PAT Lifecycle record, kept by the task]';

describe('PatLifecycle@1 with signInConnection (black box)', function () {
  this.timeout(180_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));

  const endpoints = () => f.emu.control.serviceEndpoints;
  const variableOf = (id: string) => `PatLifecycle.SignIn.${id.replace(/-/g, '')}`;
  const rotate = (id: string, extra: Record<string, string | number> = {}) => ({
    action: 'rotate',
    patName: 'feed',
    target: 'outputOnly',
    revokeUntracked: 'true',
    rotateWhenExpiresWithinDays: 7,
    signInConnection: id,
    refreshTokenStore: 'serviceConnection',
    ...extra,
  });
  const runStep = (_id: string, jobStart: ReturnType<TaskFixture['connectionAtJobStart']>, inputs: Record<string, string | number>, secretVariables: Record<string, string> = {}) =>
    f.run(inputs, { endpoints: jobStart, secretVariables });
  const seqOf = (route: string | RegExp) => f.emu.log.entries({ route }).map((e) => e.seq);

  it('a public-client sign-in: the rolled token is in the connection, with issuedAt on its record line, before the first request that changes a PAT', async () => {
    f.seedPat('feed', { daysLeft: 3 });
    // PATs people made by hand, one with the same scopes as 'feed': none may be touched.
    const handMade = [f.seedPat('feed-laptop', { daysLeft: 40 }), f.seedPat('release-bot', { scope: 'vso.release', daysLeft: 12 })];
    const id = f.addSignInConnection();
    const before = endpoints().answer(ORG, PROJECT, id);
    const run = await runStep(id, f.connectionAtJobStart(id), rotate(id));
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    f.assertNoSecrets(run);

    const stored = endpoints().get(ORG, id);
    const info = f.emu.control.entra.refreshTokenInfo(stored.parameters['refreshToken']!);
    assert.ok(info, 'the connection holds a refresh token Entra issued');
    assert.equal(info.redemptions, 0, 'the stored token is the rolled one, unused');
    assert.equal(f.emu.control.entra.refreshTokenInfo(f.refreshToken)?.rolledTo, stored.parameters['refreshToken'], 'rolled from the job-start token');
    // Only the refresh token and the record line changed.
    assert.equal(stored.parameters['tenantId'], f.emu.control.entra.defaultTenantId);
    assert.equal(stored.parameters['clientId'], f.clientId);
    // The descriptions (top level and per project reference) carry the record; everything else is as it was.
    const withoutDescriptions = ({ description, serviceEndpointProjectReferences: refs, ...rest }: Record<string, unknown>) => ({ rest, description, refs: (refs as Array<Record<string, unknown>>).map(({ description: _d, ...r }) => r), refDescriptions: (refs as Array<{ description: string }>).map((r) => r.description) });
    const b = withoutDescriptions(before);
    const a = withoutDescriptions(endpoints().answer(ORG, PROJECT, id));
    assert.deepEqual(a.rest, b.rest);
    assert.deepEqual(a.refs, b.refs);
    for (const d1 of [a.description, ...a.refDescriptions]) assert.match(String(d1), new RegExp(`^${String(b.description)}\\n\\[PAT Lifecycle record, kept by the task\\] issuedAt=\\d{4}-`));

    // Listing PATs changes nothing and may go out beside the write-back (docs/design.md, "The flow of one run").
    const [write] = seqOf('serviceEndpoints.update');
    const firstChange = Math.min(...f.emu.log.entries({ route: /^pats\./ }).filter((e) => e.method !== 'GET').map((e) => e.seq));
    assert.ok(write !== undefined && write < firstChange, `the write-back (seq ${write}) precedes the first request that changes a PAT (seq ${firstChange})`);
    assert.equal(seqOf('serviceEndpoints.update').length, 1, 'one write');
    assert.equal(run.outputs['rotated']?.value, 'true');
    assert.match(run.info.join('\n'), /Saved the renewed refresh token to service connection 'PAT Lifecycle sign-in'/);
    // The next step of the job gets the rolled token, sealed, as a secret job variable.
    const handover = run.variables[variableOf(id)];
    assert.ok(handover?.secret, 'a secret job variable for the next step');
    assert.ok(handover.value.endsWith(`.${stored.parameters['refreshToken']}`));
    for (const p of handMade) assert.equal(f.pats().find((x) => x.authorizationId === p.authorizationId)?.state, 'active', `${p.displayName} left alone`);
  });

  it("a connection of the dev package's type (patlifecycle-signin-dev) signs in and takes the rolled token back the same way", async () => {
    f.seedPat('feed', { daysLeft: 3 });
    const id = f.addSignInConnection({ type: 'patlifecycle-signin-dev' });
    const run = await runStep(id, f.connectionAtJobStart(id), rotate(id));
    assert.equal(run.result, 'Succeeded', `${run.message}\n${run.stderr}`);
    const stored = endpoints().get(ORG, id);
    assert.equal(f.emu.control.entra.refreshTokenInfo(f.refreshToken)?.rolledTo, stored.parameters['refreshToken'], 'the rolled token is in the connection');
    f.assertNoSecrets(run);
  });

  it('a confidential app: signs in with the client secret the connection holds, and the PUT keeps that secret', async () => {
    const app = f.emu.control.entra.addApp({ kind: 'confidential', displayName: 'rotation app' });
    f.extraSecrets.push(app.secret!);
    const { refreshToken } = f.emu.control.entra.signIn({ userId: f.user.userId, clientId: app.clientId });
    const id = f.emu.control.serviceEndpoints.add(ORG, PROJECT, {
      name: 'Confidential sign-in',
      type: 'patlifecycle-signin',
      url: `${f.emu.urls.authorityHost}/`,
      scheme: 'None',
      parameters: { tenantId: f.emu.control.entra.defaultTenantId, clientId: app.clientId, refreshToken, clientSecret: app.secret! },
      administrators: [f.user.userId],
    });
    const answer = endpoints().answer(ORG, PROJECT, id) as { authorization: { parameters: Record<string, string | null> } };
    assert.equal(answer.authorization.parameters['clientSecret'], null, 'the GET shows the secret as null');
    const run = await runStep(id, f.connectionAtJobStart(id), { ...rotate(id), action: 'list', patName: '' }, {});
    assert.equal(run.result, 'Succeeded', `${run.message}`);
    f.assertNoSecrets(run, [refreshToken]);
    const stored = endpoints().get(ORG, id);
    assert.equal(stored.parameters['clientSecret'], app.secret, 'the client secret is kept');
    assert.notEqual(stored.parameters['refreshToken'], refreshToken, 'the refresh token is renewed');
    assert.equal(f.emu.control.entra.refreshTokenInfo(stored.parameters['refreshToken']!)?.redemptions, 0);
    assert.ok(run.secretsRegistered.includes(app.secret!), 'the client secret was registered with the masker');
  });

  it('two steps in one job never redeem the same refresh token: the second signs in with the token the first rolled', async () => {
    f.seedPat('feed', { daysLeft: 3 });
    f.seedPat('deploy', { daysLeft: 3 });
    const id = f.addSignInConnection();
    const jobStart = f.connectionAtJobStart(id);
    const s1 = await runStep(id, jobStart, rotate(id));
    assert.equal(s1.result, 'Succeeded', s1.message);
    const handover = s1.variables[variableOf(id)]!;
    // The agent hands the second step the same job-start capture of the connection, and the job's secret variables.
    const s2 = await runStep(id, jobStart, rotate(id, { patName: 'deploy' }), { [variableOf(id)]: handover.value });
    assert.equal(s2.result, 'Succeeded', s2.message);
    f.assertNoSecrets(s1);
    f.assertNoSecrets(s2);

    const tokens = f.emu.control.entra.refreshTokens({ clientId: f.clientId });
    assert.deepEqual(tokens.filter((t) => t.redemptions > 1), [], 'no refresh token redeemed twice');
    const t0 = f.emu.control.entra.refreshTokenInfo(f.refreshToken)!;
    const t1 = f.emu.control.entra.refreshTokenInfo(t0.rolledTo!)!;
    assert.equal(t1.redemptions, 1, 'step 2 redeemed what step 1 rolled');
    assert.equal(endpoints().get(ORG, id).parameters['refreshToken'], t1.rolledTo, 'the connection holds what step 2 rolled');
    assert.equal(f.emu.control.entra.refreshTokenInfo(t1.rolledTo!)?.redemptions, 0);
    assert.equal(f.activePats('feed').length, 1);
    assert.equal(f.activePats('deploy').length, 1);
  });

  it('refuses a job variable an earlier step planted without the seal, before any request', async () => {
    const id = f.addSignInConnection();
    const run = await runStep(id, f.connectionAtJobStart(id), rotate(id), { [variableOf(id)]: 'plsi1.AAAA.a-refresh-token-of-someone-else-1234567890' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /signInConnection/);
    assert.match(run.message ?? '', /its seal does not match/);
    assert.equal(f.emu.log.count(), 0, 'no request at all');
    f.assertNoSecrets(run);
  });

  it('without the Administrator role on the connection: a warning naming the fix, the PAT still rotated; the next run warns again', async () => {
    const old = f.seedPat('feed', { daysLeft: 3 });
    const issuedAt = new Date(f.emu.clock.now() - 61 * DAY).toISOString();
    const id = f.addSignInConnection({ administrators: [], issuedAt });
    const run = await runStep(id, f.connectionAtJobStart(id), rotate(id));
    assert.equal(run.result, 'SucceededWithIssues', run.message);
    const warnings = run.warnings.join('\n');
    assert.match(warnings, /could not be saved to service connection 'PAT Lifecycle sign-in'/);
    assert.match(warnings, /Administrator role on service connection/);
    assert.match(warnings, /had not been renewed for 61 days/);
    assert.match(warnings, /pat-lifecycle login .*--service-connection/);
    assert.equal(run.outputs['rotated']?.value, 'true', 'the PAT is rotated anyway');
    assert.equal(f.pats().find((p) => p.authorizationId === old.authorizationId)?.state, 'revoked');
    assert.equal(endpoints().get(ORG, id).parameters['refreshToken'], f.refreshToken, 'the connection is unchanged');
    f.assertNoSecrets(run);

    // The next day: the same connection, still not writable; the warning comes again, now 62 days.
    f.emu.clock.advance(DAY);
    const next = await runStep(id, f.connectionAtJobStart(id), rotate(id));
    assert.equal(next.result, 'SucceededWithIssues', next.message);
    assert.match(next.warnings.join('\n'), /had not been renewed for 62 days/);
    assert.match(next.warnings.join('\n'), /could not be saved/);
    f.assertNoSecrets(next);

    // Granted the role, the next run saves and the record says so.
    endpoints().grant(ORG, id, f.user.userId, 'Administrator');
    f.emu.clock.advance(DAY);
    const fixed = await runStep(id, f.connectionAtJobStart(id), rotate(id));
    assert.notEqual(fixed.result, 'Failed', fixed.message);
    assert.match(endpoints().get(ORG, id).description, new RegExp(`issuedAt=${new Date(f.emu.clock.now()).toISOString().slice(0, 10)}`));
    f.assertNoSecrets(fixed);
  });

  for (const [inputs, named] of [
    [{ tenantId: '11111111-1111-1111-1111-111111111111' }, /tenantId/],
    [{ refreshToken: 'a-refresh-token-in-an-input-1234567890' }, /refreshToken/],
    [{ clientId: '22222222-2222-2222-2222-222222222222', clientSecret: 'an-input-client-secret-1234' }, /clientId, clientSecret/],
  ] as const) {
    it(`refuses signInConnection together with ${Object.keys(inputs).join(' and ')}, naming both and the fix, before any request`, async () => {
      const id = f.addSignInConnection();
      const run = await runStep(id, f.connectionAtJobStart(id), { ...rotate(id), ...inputs });
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /Input 'signInConnection': is set together with/);
      assert.match(run.message ?? '', named);
      assert.match(run.message ?? '', /never from both/);
      assert.equal(f.emu.log.count(), 0, 'no request at all');
      f.assertNoSecrets(run);
    });
  }

  it("refuses a refreshTokenStore other than the connection: the next run would read the connection's spent token", async () => {
    const id = f.addSignInConnection();
    const run = await runStep(id, f.connectionAtJobStart(id), { ...rotate(id), refreshTokenStore: 'variableGroup', refreshTokenVariableGroup: 'signin', refreshTokenVariableName: 'Rt' });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /Input 'refreshTokenStore': is 'variableGroup', but the sign-in comes from signInConnection/);
    assert.equal(f.emu.log.count(), 0);
  });

  it('leaving refreshTokenStore out with a connection writes back into the connection', async () => {
    f.seedPat('feed', { daysLeft: 3 });
    const id = f.addSignInConnection();
    const { refreshTokenStore: _omit, ...inputs } = rotate(id);
    const run = await runStep(id, f.connectionAtJobStart(id), { ...inputs, refreshTokenStore: '' });
    assert.equal(run.result, 'Succeeded', run.message);
    assert.notEqual(endpoints().get(ORG, id).parameters['refreshToken'], f.refreshToken);
  });

  for (const url of ['https://login.evil.example/', 'https://login.microsoftonline.com.evil.example/', 'http://127.0.0.1:1/']) {
    it(`refuses a connection whose URL is ${url}: the refresh token would go there; no request is sent`, async () => {
      const id = f.addSignInConnection({ url });
      const run: TaskRun = await runStep(id, f.connectionAtJobStart(id), rotate(id));
      assert.equal(run.result, 'Failed');
      assert.match(run.message ?? '', /signInConnection/);
      assert.match(run.message ?? '', url.startsWith('http:') ? /not an https host alone/ : /is not a Microsoft Entra sign-in host/);
      assert.equal(f.emu.log.count(), 0, 'no request at all');
      f.assertNoSecrets(run);
    });
  }

  it('refuses a PatLifecycle.AuthorityHost that names another host than the connection', async () => {
    const id = f.addSignInConnection();
    const run = await f.run(rotate(id), { endpoints: f.connectionAtJobStart(id), secretVariables: {}, variables: { 'PatLifecycle.AuthorityHost': 'https://localhost:1' } });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /Input 'PatLifecycle\.AuthorityHost': names localhost:1, but the sign-in connection's URL names/);
    assert.equal(f.emu.log.count(), 0);
  });

  it('refuses a connection the agent did not hand over (not authorized for the pipeline), naming the fix', async () => {
    const run = await f.run(rotate('3f2504e0-4f89-11d3-9a0c-0305e82c3301'), { secretVariables: {} });
    assert.equal(run.result, 'Failed');
    assert.match(run.message ?? '', /the agent handed this step no such service connection/);
    assert.match(run.message ?? '', /authorize this pipeline/);
    assert.equal(f.emu.log.count(), 0);
  });

  it(`writes the record line as '${RECORD} issuedAt=…', so a run 61 days after the last save warns that it is old`, async () => {
    const issuedAt = new Date(f.emu.clock.now() - 61 * DAY).toISOString();
    const id = f.addSignInConnection({ issuedAt });
    const run = await runStep(id, f.connectionAtJobStart(id), { ...rotate(id), action: 'list', patName: '' });
    assert.equal(run.result, 'SucceededWithIssues', run.message);
    assert.match(run.warnings.join('\n'), /had not been renewed for 61 days .* It is renewed now/);
    assert.match(endpoints().get(ORG, id).description, /issuedAt=/);
  });
});
