/**
 * Crash and re-run: the task is SIGKILLed right after each HTTP step of a scheduled rotation (the step reached the
 * service and was carried out; the task died before it could act on the answer), then run again unchanged, then a
 * third time:
 *
 *   - at the moment of the crash the store still holds a PAT that authenticates (a crash never locks anyone out),
 *     and the refresh-token store holds a token Entra accepts;
 *   - the second run converges to the invariants: one valid PAT, the stored one; an orphan the crashed run created is
 *     revoked, and no PAT is revoked while the store holds it;
 *   - the third run is a no-op: rotated=false, no create or revoke request;
 *   - every run gets the refresh token the 'Auth' group holds at its start, as a pipeline linked to the group would
 *     (the crashed run may already have rolled it); the second run must redeem exactly that one.
 *
 * How the task is stopped at an exact point: the emulator holds the step's answer (delay, phase 'after': the
 * handler has run) and the harness kills the task as soon as the request has arrived.
 */
import { strict as assert } from 'node:assert';
import { INTENT_STALE_MS } from '../../src/operations/ownership';
import { startEmulator, type Emulator } from '../emulator';
import type { TaskRun } from '../support/run-task';
import { inLanes } from './support/lanes';
import { renderTable } from './support/matrix-table';
import { findSteps, missingStep, quiesce, STEP_LABELS, STEP_ORDER, type Step, type StepTarget } from './support/rotation-steps';
import { describeRun, PAT_NAME, RT_VARIABLE, Sandbox, type PatView } from './support/sandbox';
import { reportAtEnd } from './support/suite-report';

const HOLD_MS = 1000;

interface CrashResult {
  problems: string[];
  second?: string;
  notes: string[];
}

describe('rotate killed (SIGKILL) right after each step, then run again twice (black box)', function () {
  this.timeout(300_000);
  let targets: Partial<Record<Step, StepTarget>> | undefined;
  let baselineRoutes: { route: string }[] = [];
  const results = new Map<Step, CrashResult | Error>();

  before(async function () {
    const emu = await startEmulator();
    try {
      const s = Sandbox.create(emu, 'crash-baseline');
      s.seedRotation();
      const run = await s.run(s.rotateInputs());
      assert.equal(run.result, 'Succeeded', describeRun(run));
      baselineRoutes = emu.log.entries();
      targets = findSteps(emu.log.entries(), { tokens: s.tokensGroupId!, auth: s.authGroupId! });
    } finally {
      await emu.close();
    }
    // A step the baseline no longer makes cannot be crashed after: its test fails below, by name.
    const steps = STEP_ORDER.filter((step) => targets![step] !== undefined);
    const outcome = await inLanes(steps, (step, lane) => crashAfter(step, targets![step]!, lane.emu));
    steps.forEach((step, i) => results.set(step, outcome[i]));
  });

  after(function () {
    if (results.size === 0) return;
    reportAtEnd(
      renderTable('Crash and re-run (SIGKILL after the step was carried out): the second run converges, the third is a no-op', 'killed after', [...results.keys()].map((s) => STEP_LABELS[s]), ['result', 'second run', 'what it cleaned up'], (row, col) => {
        const step = STEP_ORDER.find((s) => STEP_LABELS[s] === row)!;
        const r = results.get(step)!;
        if (r instanceof Error) return col === 'result' ? 'ERROR' : '';
        if (col === 'result') return r.problems.length === 0 ? 'ok' : 'FAIL';
        if (col === 'second run') return r.second ?? '';
        return r.notes.join('; ') || '-';
      }),
    );
  });

  for (const step of STEP_ORDER) {
    it(`killed after: ${STEP_LABELS[step]}`, function () {
      if (!targets?.[step]) assert.fail(`killed after ${STEP_LABELS[step]}: ${missingStep(step, baselineRoutes)}`);
      const r = results.get(step);
      assert.ok(r, 'did not run');
      if (r instanceof Error) throw r;
      assert.deepEqual(r.problems, [], r.problems.join('\n'));
    });
  }
});

async function crashAfter(step: Step, target: StepTarget, emu: Emulator): Promise<CrashResult> {
  const problems: string[] = [];
  const notes: string[] = [];
  const s = Sandbox.create(emu, `crash-${step}`);
  const old = s.seedRotation();
  const inputs = s.rotateInputs();

  // 1. The run that dies.
  const hold = emu.faults.add({ route: target.route, nth: target.nth, times: 1, phase: 'after', kind: 'delay', ms: HOLD_MS });
  const taken = () => !emu.faults.list().some((f) => f.id === hold);
  const killed = await s.run(inputs, { killWhen: taken });
  await quiesce(emu, [hold]);
  if (!killed.crashed) problems.push(`the task was not killed at ${target.route} #${target.nth}: ${describeRun(killed)}`);
  if (killed.result !== undefined) problems.push(`the killed task still completed (${killed.result})`);

  // What a crash leaves must never be a lockout.
  const storedAfterCrash = s.group(s.tokensGroupId!).variables['FeedPat'].value;
  if (!emu.control.pats.isValid(s.org, storedAfterCrash)) problems.push('after the crash the store holds a PAT that does not authenticate');
  const storedIdAfterCrash = (emu.control.pats.findByToken(storedAfterCrash) as PatView).authorizationId;
  const crashedCreated = s.activePats(PAT_NAME).filter((p) => p.authorizationId !== old.authorizationId && p.authorizationId !== storedIdAfterCrash);
  const rtAtSecondStart = s.currentRefreshToken();
  const rtInfoBefore = emu.control.entra.refreshTokenInfo(rtAtSecondStart) as { redemptions: number } | undefined;
  if (!rtInfoBefore) problems.push('after the crash the refresh-token store holds a token Entra never issued');
  const initialRedemptionsBefore = (emu.control.entra.refreshTokenInfo(s.initialRefreshToken) as { redemptions: number }).redemptions;

  // 2. The same pipeline, unchanged, runs again (with the refresh token the group now holds), as its next scheduled run:
  // the dead run's intent is stale by then (a younger one might belong to a run still working, docs/design.md).
  emu.clock.advance(INTENT_STALE_MS + 60_000);
  const logMark = emu.log.entries().length;
  const second = await s.run(inputs);
  const secondLog = emu.log.entries().slice(logMark);
  if (second.result !== 'Succeeded' && second.result !== 'SucceededWithIssues') problems.push(`second run: ${describeRun(second)}`);
  problems.push(...s.violations().map((v) => `after the second run: ${v}`));
  const rtInfoAfter = emu.control.entra.refreshTokenInfo(rtAtSecondStart) as { redemptions: number };
  if (rtInfoBefore && rtInfoAfter.redemptions !== rtInfoBefore.redemptions + 1) problems.push('the second run did not redeem the refresh token the group held');
  if (rtAtSecondStart !== s.initialRefreshToken) {
    notes.push('redeemed the rolled RT');
    const initialAfter = (emu.control.entra.refreshTokenInfo(s.initialRefreshToken) as { redemptions: number }).redemptions;
    if (initialAfter !== initialRedemptionsBefore) problems.push('the second run redeemed the refresh token the crashed run had already replaced');
  }
  // Never a revoke of the PAT the store holds at that moment: the stored-at-start PAT may go only after the store
  // was moved to a new one (a PUT of 'Tokens' earlier in the same run).
  const revokedIds = secondLog.filter((e) => e.route === 'pats.revoke').map((e) => new URLSearchParams(e.query).get('authorizationId')?.toLowerCase());
  const firstRevokeOfStored = secondLog.findIndex((e) => e.route === 'pats.revoke' && new URLSearchParams(e.query).get('authorizationId')?.toLowerCase() === storedIdAfterCrash.toLowerCase());
  const tokensPut = secondLog.findIndex((e) => e.route === 'variableGroups.update' && e.path.endsWith(`/variablegroups/${s.tokensGroupId}`));
  if (firstRevokeOfStored >= 0 && (tokensPut < 0 || tokensPut > firstRevokeOfStored)) problems.push('the second run revoked the PAT the store held before replacing it');
  for (const orphan of crashedCreated) {
    if (!revokedIds.includes(orphan.authorizationId.toLowerCase())) problems.push(`the second run did not revoke the orphan ${orphan.authorizationId} the crashed run made`);
    else notes.push('revoked the orphan');
  }
  if (storedIdAfterCrash !== old.authorizationId && revokedIds.includes(old.authorizationId.toLowerCase())) notes.push('revoked the replaced PAT');
  const created = secondLog.filter((e) => e.route === 'pats.create').length;
  if (created > 1) problems.push(`the second run created ${created} PATs`);
  const secondRotated = second.outputs['rotated']?.value;

  // 3. And once more: nothing left to do.
  const mark3 = emu.log.entries().length;
  const third = await s.run(inputs);
  const thirdLog = emu.log.entries().slice(mark3);
  if (third.result !== 'Succeeded') problems.push(`third run: ${describeRun(third)}`);
  if (third.outputs['rotated']?.value !== 'false') problems.push(`third run: rotated=${third.outputs['rotated']?.value}`);
  const writes = thirdLog.filter((e) => e.route === 'pats.create' || e.route === 'pats.revoke');
  if (writes.length > 0) problems.push(`third run made ${writes.map((e) => e.route).join(', ')}`);
  problems.push(...s.violations().map((v) => `after the third run: ${v}`));
  if (s.group(s.authGroupId!).variables[RT_VARIABLE].value !== third.outputs['refreshToken']?.value) problems.push('the refresh-token store does not hold the token the last run rolled');

  problems.push(...s.leaks([killed, second, third] as TaskRun[]));
  return { problems, notes, second: `${second.result}, rotated=${secondRotated}${created ? ', 1 create' : ''}` };
}
