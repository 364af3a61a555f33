/**
 * When the chain does break (the schedule was paused for longer than a refresh token lives), the task says so in
 * words a person can act on, and one `pat-lifecycle login --device-code` (the command the failure names) puts the
 * pipeline back on its feet: the next run succeeds and replaces the PATs that expired meanwhile.
 */
import { strict as assert } from 'node:assert';
import { assertNoSecrets, emulatorEnv, startCli } from '../cli/helpers';
import { DAY_MS, DEPLOY_PAT, FEED_PAT, RT_VARIABLE, ScheduledPipeline, type StepRun } from './scheduled-pipeline';

const USER_CODE = /enter the code ([A-Z0-9]+)/;

/** Splits a command line as a POSIX shell would for the simple quoting the product prints (double quotes, no escapes). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  for (const m of command.matchAll(/"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2]!);
  return words;
}

describe('the schedule paused past the refresh token lifetime, then one sign-in (continuity)', function () {
  this.timeout(180_000);
  let p: ScheduledPipeline;
  afterEach(async () => {
    await p?.close();
  });

  const assertClean = (...steps: StepRun[]) => {
    for (const s of steps) assert.deepEqual(p.scan(s), [], 'nothing leaked');
  };

  it('fails with "sign in again" naming the login command; login --device-code writes a new token; the next run rotates the expired PATs', async () => {
    p = await ScheduledPipeline.start();
    const { emu } = p;

    // A normal day first: the chain is alive.
    emu.clock.advance(DAY_MS);
    const d1 = await p.step1();
    const d1b = await p.step2(ScheduledPipeline.jobRefreshToken(p.storedRefreshToken(), d1));
    for (const s of [d1, d1b]) assert.ok(s.run.result === 'Succeeded' || s.run.result === 'SucceededWithIssues', s.run.message);
    const stale = p.storedRefreshToken();
    const staleFeed = p.storedFeedToken();
    const staleDeploy = p.storedDeployToken();

    // The schedule is paused for 100 days: the stored refresh token (90 days) and both PATs (30 days) expire.
    emu.clock.advance(100 * DAY_MS);
    assert.ok(emu.control.entra.refreshTokenInfo(stale)!.expiresAt < emu.clock.now(), 'the stored refresh token has expired');
    assert.ok(!p.isValidPat(staleFeed) && !p.isValidPat(staleDeploy), 'both PATs have expired');

    const before = p.lastSeq();
    const f1 = await p.step1();
    const f2 = await p.step2(ScheduledPipeline.jobRefreshToken(p.storedRefreshToken(), f1)); // condition: succeededOrFailed()
    for (const s of [f1, f2]) {
      const { run } = s;
      assert.equal(run.result, 'Failed', run.message);
      assert.equal(run.exitCode, 1);
      const message = run.message ?? '';
      assert.match(message, /The refresh token has expired after being unused for too long \(AADSTS700082\)/);
      assert.match(message, /Fix: Sign in again with `pat-lifecycle login --tenant-id \S+ --client-id \S+ --organization contoso --project "Proj" --variable-group "signin" --variable PatLifecycle\.RefreshToken`/);
      assert.match(run.errors.join('\n'), /AADSTS700082/, 'the failure is in the log as an error too');
      assert.match(run.summaryMarkdown ?? '', /pat-lifecycle login/);
      assert.equal(run.outputs['refreshToken'], undefined);
      assert.equal(run.variables[RT_VARIABLE], undefined);
    }
    assertClean(f1, f2);
    const touched = emu.log.entries((e) => e.seq > before && e.route !== 'entra.token');
    assert.deepEqual(touched.map((e) => e.route), [], 'nothing but the refused redemption: no store, no PAT request');
    assert.equal(p.storedRefreshToken(), stale);

    // A person runs the command the failure names, with --device-code (the agent has no browser), and approves it.
    const printed = /`(pat-lifecycle login [^`]+)`/.exec(f1.run.message ?? '')![1]!;
    const args = shellWords(printed).slice(1); // drop `pat-lifecycle`: the rest is what the CLI takes
    emu.control.entra.setDeviceCodeInterval(1);
    const cli = startCli([...args, '--device-code'], emulatorEnv(emu), 90_000);
    const [, userCode] = await cli.waitFor(USER_CODE, 60_000);
    emu.control.entra.approveDeviceCode(userCode!, p.f.user.userId);
    const login = await cli.done;
    assert.equal(login.code, 0, `login failed:\n${login.stderr}\n${login.stdout}`);
    assertNoSecrets(login.stdout + login.stderr, emu.secrets(), 'the login output');

    const fresh = p.storedRefreshToken();
    assert.notEqual(fresh, stale);
    const info = emu.control.entra.refreshTokenInfo(fresh)!;
    assert.equal(info.userId, p.f.user.userId);
    assert.equal(info.clientId, p.f.clientId);
    assert.equal(info.redemptions, 0);
    assert.ok(Math.abs(Date.parse(p.storedIssuedAt()!) - emu.clock.now()) < 60_000, 'issuedAt is now');

    // The pipeline is run again: both steps succeed and replace the expired PATs.
    const r1 = await p.step1();
    const r2 = await p.step2(ScheduledPipeline.jobRefreshToken(p.storedRefreshToken(), r1));
    for (const [s, name] of [
      [r1, FEED_PAT],
      [r2, DEPLOY_PAT],
    ] as const) {
      assert.ok(s.run.result === 'Succeeded' || s.run.result === 'SucceededWithIssues', `${s.run.result}: ${s.run.message}`);
      assert.equal(s.run.outputs['rotated'].value, 'true', `${name} rotated`);
      assert.match(s.run.warnings.join('\n'), new RegExp(`PAT '${name}' \\([0-9a-f-]{36}\\) stored in .* had already expired on .*a replacement was created`));
      assert.equal(p.validPats(name).length, 1);
    }
    assert.ok(p.isValidPat(p.storedFeedToken()), 'the variable group holds a valid feed-reader PAT');
    assert.ok(p.isValidPat(p.storedDeployToken()), 'Key Vault holds a valid deploy-bot PAT');
    assert.equal(emu.control.entra.refreshTokenInfo(fresh)!.redemptions, 1);
    assert.equal(p.storedRefreshToken(), r2.run.outputs['refreshToken'].value, 'the chain runs again');
    assertClean(r1, r2);

    // And the day after, business as usual.
    emu.clock.advance(DAY_MS);
    const n1 = await p.step1();
    const n2 = await p.step2(ScheduledPipeline.jobRefreshToken(p.storedRefreshToken(), n1));
    for (const s of [n1, n2]) assert.equal(s.run.result, 'Succeeded', s.run.message);
    assertClean(n1, n2);
  });

  it('AADSTS70008 (expired or revoked) gets the same "sign in again" failure with the command', async () => {
    p = await ScheduledPipeline.start();
    p.emu.clock.advance(DAY_MS);
    p.emu.control.entra.failNextRedemption({ code: 70008 });
    const s = await p.step1();
    assert.equal(s.run.result, 'Failed');
    assert.match(s.run.message ?? '', /The refresh token has expired or was revoked \(AADSTS70008\).*Fix: Sign in again with `pat-lifecycle login --tenant-id .* --variable-group "signin" --variable PatLifecycle\.RefreshToken`/s);
    assertClean(s);
  });
});
