/**
 * The promise, proven: sign in once, and a daily scheduled pipeline keeps every PAT valid for a year without a human.
 *
 * 365 simulated days on the emulator's clock, one job a day, two PatLifecycle@1 steps per job, each the bundled task
 * in its own process (730 spawns; see scheduled-pipeline.ts for the steps). Organization maximum PAT lifespan 30 days;
 * feed-reader asks for 30 days, deploy-bot for 45 (clamped to 30, with a warning); both rotate when they expire within
 * 7 days. Entra enforces the refresh tokens' 90-day expiry. Faults on some days:
 *   - a Key Vault outage for one whole day (every request to the vault answers 503): step 2 fails that day, on a day
 *     deploy-bot is due, and rotates the next day while the old PAT is still valid;
 *   - 429s with Retry-After on the PAT API (a list and, on a rotation day, the create);
 *   - an Entra 503 once, and an Entra 429 once (retried by the product).
 *
 * Step 2 runs when step 1 failed too (`condition: succeededOrFailed()`): the two PATs are independent, and it proves
 * that a later step's `$(PatLifecycle.RefreshToken)` is right whichever way step 1 ended.
 *
 * Checked after every step and every day: each stored PAT is a valid PAT of its name, at most two PATs of a name are
 * valid, the stored refresh token is unused and far from its expiry, no refresh token was ever redeemed twice, the
 * chain of refresh tokens is one unbroken line from the single sign-in (no human action: no device code, no
 * authorize, no other sign-in), nothing leaked in any run's log, summary or requests.
 */
import { strict as assert } from 'node:assert';
import { DAY_MS, DEPLOY_PAT, FEED_PAT, RT_VARIABLE, ScheduledPipeline, type StepRun } from './scheduled-pipeline';

const DAYS = 365;
const RETRY_LINE = /^(Retrying '|.* is rate-limiting this identity)/;

interface Totals {
  runs: number;
  succeeded: number;
  succeededWithIssues: number;
  failed: number;
  rotations: Record<string, number>;
  retries: number;
  warnings: number;
  warningKinds: Map<string, number>;
  faultsApplied: number;
  runMs: number[];
  checkMs: number;
}

describe('a simulated year of a daily scheduled pipeline (continuity)', function () {
  // 730 task processes one after the other, each a plain first run (no compile cache since issue 15): on a shared
  // 2-core machine under load, more than half a second each. The limit is there to catch a hang, not to time them.
  this.timeout(900_000);
  this.slow(240_000);
  let p: ScheduledPipeline;

  before(async () => {
    p = await ScheduledPipeline.start({ maxLifespanDays: 30, feedLifetimeDays: 30, deployLifetimeDays: 45, rotateWhenExpiresWithinDays: 7 });
  });
  after(async () => {
    await p?.close();
  });

  it('keeps both PATs valid every day for 365 days with one sign-in, through faults, with no leak', async () => {
    const { emu } = p;
    const started = Date.now();
    const clockStart = emu.clock.now();
    const initialRefreshToken = p.storedRefreshToken();
    const totals: Totals = {
      runs: 0,
      succeeded: 0,
      succeededWithIssues: 0,
      failed: 0,
      rotations: { [FEED_PAT]: 0, [DEPLOY_PAT]: 0 },
      retries: 0,
      warnings: 0,
      warningKinds: new Map(),
      faultsApplied: 0,
      runMs: [],
      checkMs: 0,
    };
    const violations: string[] = [];
    const check = (day: number, what: string, ok: boolean, detail = '') => {
      if (!ok) violations.push(`day ${day}: ${what}${detail ? ` (${detail})` : ''}`);
    };
    let kvOutageDay: number | undefined;
    let feed429Day: number | undefined;
    const expectedFailures = new Set<string>();
    const diary: string[] = [];
    let maxValid = 0;

    const account = (day: number, step: StepRun, name: string) => {
      const { run } = step;
      totals.runs++;
      totals.runMs.push(run.durationMs);
      if (run.result === 'Succeeded') totals.succeeded++;
      else if (run.result === 'SucceededWithIssues') totals.succeededWithIssues++;
      else totals.failed++;
      if (run.outputs['rotated']?.value === 'true') totals.rotations[name]++;
      const retryLines = run.visibleLog.split('\n').filter((l) => RETRY_LINE.test(l));
      totals.retries += retryLines.length;
      const faulted = p.emu.log.count((e) => e.seq >= step.firstSeq && e.seq <= step.lastSeq && (e.fault !== undefined || (e.route === 'entra.token' && e.status >= 429)));
      totals.faultsApplied += faulted;
      if (faulted > 0 || retryLines.length > 0 || run.result === 'Failed') {
        const why = run.result === 'Failed' ? `\n        ${(run.message ?? '').split('\n').slice(0, 2).join(' | ').slice(0, 400)}` : '';
        diary.push(`  day ${day} ${name}: ${run.result}, ${faulted} faulted responses, ${retryLines.length} retries logged, ${run.durationMs} ms${retryLines.map((l) => `\n        ${l.slice(0, 140)}`).join('')}${why}`);
      }
      totals.warnings += run.warnings.length;
      for (const w of run.warnings) {
        const kind = w.replace(/'[^']*'/g, "'…'").replace(/\d[\d\-:.TZ]*/g, 'N').slice(0, 90);
        totals.warningKinds.set(kind, (totals.warningKinds.get(kind) ?? 0) + 1);
      }
      const expectFail = expectedFailures.has(`${day}:${name}`);
      if (expectFail) check(day, `${name}: the failure names Key Vault and the 503`, /Key Vault|vault/i.test(run.message ?? '') && /503|ServiceUnavailable|unavailable/i.test(run.message ?? ''), run.message);
      check(day, `${name} step ended ${run.result}${expectFail ? ', expected Failed' : ''}`, expectFail ? run.result === 'Failed' : run.result === 'Succeeded' || run.result === 'SucceededWithIssues', run.message?.split('\n').slice(0, 3).join(' | '));
      check(day, `${name} step exited cleanly`, !run.timedOut && run.exitCode === (run.result === 'Failed' ? 1 : 0), `exit ${run.exitCode}, timedOut ${run.timedOut}`);
      for (const leak of p.scan(step)) check(day, `${name}: ${leak}`, false);
      if (run.result !== 'Failed' || run.variables[RT_VARIABLE]) {
        // Every run that signed in saved the rolled token and handed it to the rest of the job.
        const rolled = run.outputs['refreshToken'];
        check(day, `${name}: output refreshToken is a secret`, !!rolled?.secret);
        check(day, `${name}: job variable ${RT_VARIABLE} is the rolled token`, !!rolled && run.variables[RT_VARIABLE]?.value === rolled.value && run.variables[RT_VARIABLE]?.secret === true);
      }
      for (const n of [FEED_PAT, DEPLOY_PAT]) {
        const valid = p.validPats(n).length;
        maxValid = Math.max(maxValid, valid);
        check(day, `${valid} valid PATs named ${n} after the ${name} step`, valid >= 1 && valid <= 2);
      }
    };

    for (let day = 1; day <= DAYS; day++) {
      // The schedule fires once a day: move the clock first, then spawn (the child's clock is shifted at spawn).
      emu.clock.advance(DAY_MS);
      const now = emu.clock.now();
      const faultIds: string[] = [];
      const dueOn = (name: string) => p.validPats(name).some((t) => Date.parse(t.validTo) - now <= p.options.rotateWhenExpiresWithinDays * DAY_MS);

      // --- the day's faults -------------------------------------------------------------------------------
      if (kvOutageDay === undefined && day >= 120 && dueOn(DEPLOY_PAT)) {
        kvOutageDay = day;
        faultIds.push(emu.faults.add({ service: 'keyVault', status: 503, times: Infinity }));
        expectedFailures.add(`${day}:${DEPLOY_PAT}`);
        diary.push(`day ${day}: Key Vault outage (every vault request 503) on a day deploy-bot is due`);
      }
      if (feed429Day === undefined && day >= 60 && dueOn(FEED_PAT)) {
        feed429Day = day;
        faultIds.push(emu.faults.add({ route: 'pats.create', status: 429, retryAfterSeconds: 1, times: 1 }));
        diary.push(`day ${day}: 429 (Retry-After 1) on the PAT create of feed-reader's rotation`);
      }
      if (day === 45 || day === 300) {
        faultIds.push(emu.faults.add({ route: 'pats.list', status: 429, retryAfterSeconds: 1, times: 2 }));
        diary.push(`day ${day}: two 429s (Retry-After 1) on the PAT list`);
      }
      if (day === 200) {
        emu.control.entra.failNextRedemption({ status: 503, retryAfterSeconds: 1 });
        diary.push(`day ${day}: Entra 503 on the refresh token redemption, once`);
      }
      if (day === 260) {
        faultIds.push(emu.faults.add({ service: 'variableGroups', method: 'GET', status: 503, retryAfterSeconds: 0, times: 1 }));
        diary.push(`day ${day}: one 503 (Retry-After 0) on a variable group read`);
      }

      // --- the job ----------------------------------------------------------------------------------------
      const jobStart = p.storedRefreshToken();
      const s1 = await p.step1({}, jobStart);
      let t = Date.now();
      account(day, s1, FEED_PAT);
      totals.checkMs += Date.now() - t;
      if (day === 330) {
        emu.control.entra.failNextRedemption({ status: 429, retryAfterSeconds: 1 });
        diary.push(`day ${day}: Entra 429 on step 2's redemption, once`);
      }
      const s2 = await p.step2(ScheduledPipeline.jobRefreshToken(jobStart, s1));
      t = Date.now();
      account(day, s2, DEPLOY_PAT);
      for (const id of faultIds) emu.faults.remove(id);

      // --- the day's invariants -----------------------------------------------------------------------------
      const feedToken = p.storedFeedToken();
      const deployToken = p.storedDeployToken();
      check(day, 'the variable group holds a valid feed-reader PAT', p.isValidPat(feedToken) && emu.control.pats.findByToken(feedToken)?.displayName === FEED_PAT);
      check(day, 'Key Vault holds a valid deploy-bot PAT', p.isValidPat(deployToken) && emu.control.pats.findByToken(deployToken)?.displayName === DEPLOY_PAT);
      const rt = p.storedRefreshToken();
      const info = emu.control.entra.refreshTokenInfo(rt);
      check(day, 'the stored refresh token is one Entra issued', !!info);
      if (info) {
        check(day, 'the stored refresh token is unused (the next job redeems it first)', info.redemptions === 0, `redemptions ${info.redemptions}`);
        check(day, 'the stored refresh token has more than 85 of its 90 days left', info.expiresAt - emu.clock.now() > 85 * DAY_MS, `${((info.expiresAt - emu.clock.now()) / DAY_MS).toFixed(1)} days`);
      }
      const issuedAt = Date.parse(p.storedIssuedAt() ?? '');
      check(day, 'issuedAt beside the stored refresh token is from today', Number.isFinite(issuedAt) && now - issuedAt < DAY_MS && issuedAt >= now - 60_000, p.storedIssuedAt());
      if (kvOutageDay !== undefined && day === kvOutageDay + 1) check(day, 'the day after the Key Vault outage, deploy-bot rotates', s2.run.outputs['rotated']?.value === 'true');
      check(day, 'step 2 redeemed the token step 1 rolled', emu.control.entra.refreshTokenInfo(s1.run.outputs['refreshToken']?.value ?? '')?.redemptions === 1);
      if (violations.length > 0) break;
      totals.checkMs += Date.now() - t;
    }

    // --- the year as a whole ----------------------------------------------------------------------------------
    const tokens = emu.control.entra.refreshTokens({ clientId: p.f.clientId });
    const twice = tokens.filter((x) => x.redemptions > 1);
    check(DAYS, `${twice.length} refresh tokens redeemed more than once`, twice.length === 0);
    // One line from the single sign-in: every later token was rolled from the one before it.
    let link = initialRefreshToken;
    let chainLength = 1;
    for (let next = emu.control.entra.refreshTokenInfo(link)?.rolledTo; next; next = emu.control.entra.refreshTokenInfo(link)?.rolledTo) {
      link = next;
      chainLength++;
    }
    check(DAYS, `the chain from the sign-in reaches the stored token (${chainLength} links of ${tokens.length} tokens)`, chainLength === tokens.length && link === p.storedRefreshToken());
    const human = emu.log.count((e) => e.route === 'entra.devicecode' || e.route === 'entra.authorize');
    check(DAYS, 'no device code or browser sign-in', human === 0);
    const elapsedDays = (emu.clock.now() - clockStart) / DAY_MS;

    const wallMs = Date.now() - started;
    const sorted = [...totals.runMs].sort((a, b) => a - b);
    const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    const sum = sorted.reduce((a, b) => a + b, 0);
    const lines = [
      `simulated ${elapsedDays.toFixed(1)} days (${DAYS} daily jobs x 2 steps)`,
      `runs ${totals.runs}: ${totals.succeeded} Succeeded, ${totals.succeededWithIssues} SucceededWithIssues, ${totals.failed} Failed`,
      `rotations: ${FEED_PAT} ${totals.rotations[FEED_PAT]}, ${DEPLOY_PAT} ${totals.rotations[DEPLOY_PAT]}`,
      `retries seen in logs: ${totals.retries}; faulted responses in the request log: ${totals.faultsApplied}`,
      `warnings: ${totals.warnings}${[...totals.warningKinds].map(([k, n]) => `\n      ${n} x ${k}`).join('')}`,
      `refresh tokens issued: ${tokens.length} (chain of ${chainLength}), redeemed twice: ${twice.length}; human sign-ins after day 0: ${human}`,
      `PATs created: ${p.pats(FEED_PAT).length - 1} ${FEED_PAT}, ${p.pats(DEPLOY_PAT).length - 1} ${DEPLOY_PAT}; most valid PATs of one name after any step: ${maxValid}`,
      `wall time ${(wallMs / 1000).toFixed(1)} s: runs ${(sum / 1000).toFixed(1)} s (mean ${(sum / Math.max(1, sorted.length)).toFixed(0)} ms, p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms, max ${pct(1)} ms), checks ${(totals.checkMs / 1000).toFixed(1)} s`,
      ...diary,
    ];
    console.log(`\n    ${lines.join('\n    ')}\n`);

    assert.deepEqual(violations, [], `the promise broke:\n  ${violations.slice(0, 20).join('\n  ')}`);
    assert.ok(elapsedDays >= DAYS, 'the whole year ran');
    assert.ok(kvOutageDay !== undefined && feed429Day !== undefined, 'the fault days happened');
    assert.equal(totals.failed, 1, 'only the Key Vault outage failed a step');
    assert.ok(totals.retries >= 6, `retries were seen in the logs (${totals.retries})`);
    assert.ok(totals.rotations[FEED_PAT] >= 15 && totals.rotations[DEPLOY_PAT] >= 15, 'both PATs rotated all year');
  });
});
