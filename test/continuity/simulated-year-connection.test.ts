/**
 * The promise with the sign-in kept in a service connection (issue 13 part 2): sign in once with
 * `pat-lifecycle login --service-connection`, and a scheduled pipeline keeps every PAT valid for a year.
 *
 * A year on the emulator's clock, one job every 6 days (a modest schedule keeps this near a minute on a loaded
 * 2-core machine; the year-long daily run with the variable group is simulated-year.test.ts). Each job has two
 * PatLifecycle@1 steps, each the bundled task in its own process, both naming the same PAT Lifecycle sign-in
 * connection; the agent hands both the connection as it was at job start:
 *   step 1  rotate 'feed-reader' into variable group 'feeds'
 *   step 2  rotate 'deploy-bot' into the Azure Repos connection 'fabrikam-repos' (target serviceConnection), signing
 *           in with the token step 1 rolled (the sealed job variable step 1 set)
 * Organization maximum PAT lifespan 30 days, both PATs ask for 30 and rotate within 7. Entra enforces the refresh
 * tokens' 90-day expiry; one job Entra answers the redemption with a 503 once (retried).
 *
 * Checked after every job: each stored PAT is a valid PAT of its name, at most two of a name are valid, the
 * connection holds an unused refresh token with its issuedAt from today, no token was redeemed twice, nothing leaked.
 * At the end: one unbroken chain of refresh tokens from the single sign-in, and no human sign-in.
 */
import { strict as assert } from 'node:assert';
import { ORG, PROJECT, TaskFixture, useTaskFixture } from '../task/task-fixture';
import type { TaskRun } from '../support/run-task';

const DAY = 86_400_000;
const DAYS = 365;
const EVERY = 6;
/** The first job on or after this day meets an Entra 503 on the redemption (retried). */
const FAULT_DAY = 200;

describe('a simulated year with the sign-in in a service connection (continuity)', function () {
  this.timeout(600_000);
  this.slow(180_000);
  let f: TaskFixture;

  useTaskFixture((fixture) => (f = fixture), { shared: true });

  it(`keeps both PATs valid for ${DAYS} days with one sign-in kept in the connection, two steps a job, no token redeemed twice`, async () => {
    const { emu } = f;
    emu.control.devops.setPolicy(ORG, { maxLifespanDays: 30 });
    const initial = f.refreshToken;
    const signIn = f.addSignInConnection({ issuedAt: new Date(emu.clock.now()).toISOString() });
    const handoverVariable = `PatLifecycle.SignIn.${signIn.replace(/-/g, '')}`;

    const feed = f.seedPat('feed-reader', { scope: 'vso.packaging', daysLeft: 20 });
    const feeds = f.addGroup('feeds', { FeedReaderPat: { value: feed.token, isSecret: true }, 'FeedReaderPat.authorizationId': feed.authorizationId, 'FeedReaderPat.validTo': feed.validTo });
    const deploy = f.seedPat('deploy-bot', { scope: 'vso.code', daysLeft: 10 });
    const repos = emu.control.serviceEndpoints.add(ORG, PROJECT, {
      name: 'fabrikam-repos',
      type: 'externaltfs',
      url: 'https://dev.azure.com/fabrikam',
      scheme: 'Token',
      parameters: { apitoken: deploy.token },
      description: 'Repos of fabrikam',
      administrators: [f.user.userId],
    });

    const common = { action: 'rotate', lifetimeDays: 30, rotateWhenExpiresWithinDays: 7, signInConnection: signIn, refreshTokenStore: 'serviceConnection' };
    const step1 = { ...common, patName: 'feed-reader', target: 'variableGroup', variableGroup: 'feeds', variableName: 'FeedReaderPat' };
    const step2 = { ...common, patName: 'deploy-bot', target: 'serviceConnection', serviceConnection: 'fabrikam-repos' };

    const violations: string[] = [];
    const check = (day: number, what: string, ok: boolean, detail = '') => {
      if (!ok) violations.push(`day ${day}: ${what}${detail ? ` (${detail})` : ''}`);
    };
    const results = new Map<string, number>();
    let rotations = 0;
    let jobs = 0;
    const account = (day: number, name: string, run: TaskRun) => {
      results.set(run.result ?? 'none', (results.get(run.result ?? 'none') ?? 0) + 1);
      if (run.outputs['rotated']?.value === 'true') rotations++;
      check(day, `${name} ended ${run.result}`, run.result === 'Succeeded', `${run.message?.split('\n').slice(0, 3).join(' | ')} ${run.warnings.join(' | ').slice(0, 300)}`);
      try {
        f.assertNoSecrets(run);
      } catch (err) {
        check(day, `${name} leaked`, false, (err as Error).message.slice(0, 200));
      }
    };

    for (let day = EVERY; day <= DAYS; day += EVERY) {
      emu.clock.advance(EVERY * DAY);
      jobs++;
      if (day >= FAULT_DAY && day - EVERY < FAULT_DAY) emu.control.entra.failNextRedemption({ status: 503, retryAfterSeconds: 1 });
      // The agent captures the connection once, at job start, and hands that capture to every step naming it.
      const jobStart = f.connectionAtJobStart(signIn);
      const s1 = await f.run(step1, { endpoints: jobStart, secretVariables: {} });
      account(day, 'step 1', s1);
      const handover = s1.variables[handoverVariable];
      check(day, 'step 1 handed the renewed token on as a secret job variable', !!handover?.secret);
      const s2 = await f.run(step2, { endpoints: jobStart, secretVariables: handover ? { [handoverVariable]: handover.value } : {} });
      account(day, 'step 2', s2);

      const now = emu.clock.now();
      const feedToken = f.group(feeds).variables['FeedReaderPat']!.value;
      check(day, 'the variable group holds a valid feed-reader PAT', emu.control.pats.isValid(ORG, feedToken) && emu.control.pats.findByToken(feedToken)?.displayName === 'feed-reader');
      const deployToken = emu.control.serviceEndpoints.get(ORG, repos).parameters['apitoken']!;
      check(day, 'the repos connection holds a valid deploy-bot PAT', emu.control.pats.isValid(ORG, deployToken) && emu.control.pats.findByToken(deployToken)?.displayName === 'deploy-bot');
      for (const name of ['feed-reader', 'deploy-bot']) {
        const valid = f.activePats(name).filter((p) => Date.parse(p.validTo) > now).length;
        check(day, `${valid} valid PATs named ${name}`, valid >= 1 && valid <= 2);
      }
      const stored = emu.control.serviceEndpoints.get(ORG, signIn);
      const info = emu.control.entra.refreshTokenInfo(stored.parameters['refreshToken']!);
      check(day, 'the connection holds a refresh token Entra issued, unused', !!info && info.redemptions === 0, `redemptions ${info?.redemptions}`);
      check(day, 'it has more than 85 of its 90 days left', !!info && info.expiresAt - now > 85 * DAY);
      const issuedAt = Date.parse(/issuedAt=([^;\s]+)/.exec(stored.description)?.[1] ?? '');
      check(day, "the record line's issuedAt is from today", Number.isFinite(issuedAt) && now - issuedAt < DAY, stored.description);
      check(day, 'step 2 redeemed the token step 1 rolled', emu.control.entra.refreshTokens({ clientId: f.clientId }).every((t) => t.redemptions <= 1));
      if (violations.length > 0) break;
    }

    const tokens = emu.control.entra.refreshTokens({ clientId: f.clientId });
    check(DAYS, 'no refresh token redeemed twice', tokens.every((t) => t.redemptions <= 1));
    let link = initial;
    let chain = 1;
    for (let next = emu.control.entra.refreshTokenInfo(link)?.rolledTo; next; next = emu.control.entra.refreshTokenInfo(link)?.rolledTo) {
      link = next;
      chain++;
    }
    const stored = emu.control.serviceEndpoints.get(ORG, signIn).parameters['refreshToken'];
    check(DAYS, `one chain from the sign-in to the stored token (${chain} links of ${tokens.length})`, chain === tokens.length && link === stored);
    check(DAYS, 'no device code or browser sign-in', emu.log.count((e) => e.route === 'entra.devicecode' || e.route === 'entra.authorize') === 0);
    console.log(`\n    ${jobs} jobs, ${jobs * 2} runs: ${[...results].map(([k, n]) => `${n} ${k}`).join(', ')}; ${rotations} rotations; ${tokens.length} refresh tokens in one chain of ${chain}\n`);

    assert.deepEqual(violations, [], `the promise broke:\n  ${violations.slice(0, 20).join('\n  ')}`);
    assert.ok(rotations >= 20, `both PATs rotated all year (${rotations})`);
  });
});
