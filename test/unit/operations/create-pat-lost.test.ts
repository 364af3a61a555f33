import { strict as assert } from 'node:assert';
import { createPat, newPatRequest } from '../../../src/operations/create-pat';
import { PatDirectory } from '../../../src/operations/pat-directory';
import { newOutcome, type OperationRun } from '../../../src/operations/types';
import { PatLifecycleError } from '../../../src/errors';
import { DAY_MS } from '../../../src/clock';
import { testConfig, world, type World } from './fakes';
import type { Config } from '../../../src/config/types';

function runOf(w: World, overrides: Partial<Config> = {}): OperationRun {
  return { ...w.context(testConfig(overrides)), directory: new PatDirectory(w.service) };
}

const lostAnswer = (code: string, status?: number) => new PatLifecycleError('network', code, 'no answer', status === undefined ? {} : { status });

describe('newPatRequest: what a create asks for', () => {
  it('the name, the scopes joined by spaces, now + lifetimeDays, this organization only', () => {
    const w = world();
    const request = newPatRequest(runOf(w, { lifetimeDays: 12 }), 'feed', ['vso.code', 'vso.build']);
    assert.deepEqual(request, { displayName: 'feed', scope: 'vso.code vso.build', validTo: new Date(w.clock.t + 12 * DAY_MS).toISOString(), allOrgs: false });
  });
});

describe('createPat: a create whose answer may have been lost', () => {
  async function afterLostAnswer(error: PatLifecycleError) {
    const w = world();
    const run = runOf(w);
    const out = newOutcome('feed');
    w.service.faults.add({ op: 'create', when: 'after', error });
    const created = await createPat(run, newPatRequest(run, 'feed', ['vso.code']), out);
    return { w, out, created };
  }

  for (const [what, error] of [
    ['no answer (OutcomeUnknown)', lostAnswer('OutcomeUnknown')],
    ['HTTP 503', lostAnswer('HTTP 503', 503)],
    ['an unreadable 200', lostAnswer('UnexpectedResponse', 200)],
    ['an unreadable 299', lostAnswer('UnexpectedResponse', 299)],
  ] as const) {
    it(`${what}: lists, revokes the PAT it made, creates once more and says so`, async () => {
      const { w, out, created } = await afterLostAnswer(error);
      const [lost, fresh] = w.service.pats;
      assert.equal(lost.revoked, true);
      assert.equal(created.authorizationId, fresh.authorizationId);
      assert.equal(created.token, fresh.value);
      assert.equal(out.createUncertain, true);
      assert.deepEqual(out.warnings, [`The unanswered create had made PAT 'feed' (${lost.authorizationId}); its value was lost, so it was revoked and a new PAT created.`]);
      assert.deepEqual(w.host.warnings, [`Creating PAT 'feed' may have reached Azure DevOps without an answer (${error.code}); checking the PAT list before trying again.`]);
      assert.ok(w.host.secrets.includes(fresh.value), 'the new value is registered as a secret');
      assert.ok(!w.host.secrets.includes(lost.value));
    });
  }

  for (const [what, error] of [
    ['a refusal', new PatLifecycleError('policy', 'patTokenError:disablePatCreationPolicyViolation', 'restricted', { status: 400 })],
    ['a server error that is not an unknown outcome', lostAnswer('HTTP 500', 500)],
    ['the sign-in page (203)', lostAnswer('UnexpectedResponse', 203)],
    ['an unreadable 199', lostAnswer('UnexpectedResponse', 199)],
    ['an unreadable 300', lostAnswer('UnexpectedResponse', 300)],
    ['an unreadable answer without a status', lostAnswer('UnexpectedResponse')],
    ['another error carrying a 2xx status', lostAnswer('HTTP 200', 200)],
    ['an error that is not ours', new Error('socket hang up') as unknown as PatLifecycleError],
  ] as const) {
    it(`${what}: fails as it came, without listing or trying again`, async () => {
      const w = world();
      const run = runOf(w);
      const out = newOutcome('feed');
      w.service.faults.add({ op: 'create', error });
      await assert.rejects(createPat(run, newPatRequest(run, 'feed', ['vso.code']), out), (e) => e === error);
      assert.deepEqual(w.service.calls, ['list active', 'create feed']);
      assert.equal(out.createUncertain, undefined);
      assert.deepEqual(w.host.warnings, []);
    });
  }

  it('revokes only PATs of the name, unknown before the create, made since the run began (less ten minutes of clock skew)', async () => {
    const w = world();
    const run = runOf(w);
    const start = run.runStartedAt.getTime();
    const known = w.service.seed('feed', { ageDays: 0 });
    known.authorizationId = known.authorizationId.toUpperCase();
    await run.directory.active();
    // Appear after the run's listing, so not known to it:
    const atSkew = w.service.seed('feed');
    atSkew.validFrom = new Date(start - 10 * 60_000).toISOString();
    const beforeSkew = w.service.seed('feed');
    beforeSkew.validFrom = new Date(start - 10 * 60_000 - 1).toISOString();
    const otherName = w.service.seed('feed-2', { ageDays: 0 });
    const alreadyRevoked = w.service.seed('feed', { ageDays: 0, revoked: true });
    const out = newOutcome('feed');
    w.service.faults.add({ op: 'create', error: lostAnswer('OutcomeUnknown') });
    await createPat(run, newPatRequest(run, 'feed', ['vso.code']), out);
    assert.equal(atSkew.revoked, true, 'made within the skew allowance');
    for (const p of [known, beforeSkew, otherName]) assert.equal(p.revoked, false, p.displayName);
    assert.deepEqual(w.service.calls.filter((c) => c.startsWith('revoke')), [`revoke ${atSkew.authorizationId}`]);
    assert.equal(out.warnings.length, 1, out.warnings.join('\n'));
    assert.equal(alreadyRevoked.revoked, true);
    assert.deepEqual(w.service.calls.filter((c) => c.startsWith('list')), ['list active', 'list active'], 'listed again, active PATs only');
  });
});

describe('createPat: a lifetime the organization shortened', () => {
  async function shortened(maxLifetimeDays: number | undefined, overrides: Partial<Config>) {
    const w = world();
    w.service.maxLifetimeDays = maxLifetimeDays;
    const run = runOf(w, overrides);
    const out = newOutcome('feed');
    const created = await createPat(run, newPatRequest(run, 'feed', ['vso.code']), out);
    return { out, created };
  }

  it('says by how much and what lifetimeDays would match', async () => {
    const { out, created } = await shortened(10, { action: 'create', lifetimeDays: 30 });
    assert.deepEqual(out.warnings, [
      `Azure DevOps shortened PAT 'feed' to expire on ${created.validTo.slice(0, 10)} (10 days instead of the 30 requested): the organization limits PAT lifespans. Set lifetimeDays to 10 or less to match.`,
    ]);
  });

  it('a rotation whose new PAT is due at once also says to lower rotateWhenExpiresWithinDays (the window is inclusive)', async () => {
    const { out } = await shortened(7, { action: 'rotate', lifetimeDays: 30, rotateWhenExpiresWithinDays: 7 });
    assert.equal(out.warnings.length, 1);
    assert.ok(
      out.warnings[0].endsWith('Set lifetimeDays to 7 or less to match. With rotateWhenExpiresWithinDays 7, the new PAT is due at once and every run will rotate it: lower rotateWhenExpiresWithinDays below 7.'),
      out.warnings[0],
    );
  });

  it('no such advice when the new PAT lasts longer than the window, the window is 0, or the action is create', async () => {
    for (const overrides of [
      { action: 'rotate' as const, rotateWhenExpiresWithinDays: 6 },
      { action: 'rotate' as const, rotateWhenExpiresWithinDays: 0 },
      { action: 'create' as const, rotateWhenExpiresWithinDays: 7 },
    ]) {
      const { out } = await shortened(7, { lifetimeDays: 30, ...overrides });
      assert.equal(out.warnings.length, 1);
      assert.ok(out.warnings[0].endsWith('Set lifetimeDays to 7 or less to match.'), JSON.stringify(overrides));
    }
  });

  it('no warning when the lifetime was granted', async () => {
    const { out } = await shortened(undefined, { lifetimeDays: 30 });
    assert.deepEqual(out.warnings, []);
  });
});
