/**
 * revokeReplaced and heldElsewhere (rotation rule 7, ownership rule a) driven directly: the old PAT goes only when no
 * other destination the run can see records it, never when that cannot be checked, and a failure is an issue.
 */
import { strict as assert } from 'node:assert';
import { PatLifecycleError } from '../../../src/errors';
import { heldElsewhere, revokeReplaced } from '../../../src/operations/revoke-pats';
import type { SecretStore } from '../../../src/stores/secret-store';
import { destOf, outcome, runOf, world } from './rotate-kit';
import type { Config } from '../../../src/config/types';

async function scene(overrides: Partial<Config> = {}, holders?: (id: string, own: readonly SecretStore[]) => Promise<string[]>) {
  const w = world();
  const old = w.service.seed('feed', { daysLeft: 3 });
  w.store().hold(old);
  const run = runOf(w, overrides);
  if (holders) run.findHolders = holders;
  const dests = [await destOf(w.store())];
  return { w, old, run, dests, out: outcome() };
}

describe('revokeReplaced: the old PAT after its replacement is stored', () => {
  it('revokes it and logs why', async () => {
    const s = await scene();
    assert.equal(await revokeReplaced(s.run, s.old, s.dests, s.out, 'left by an earlier run'), 'revoked');
    assert.equal(s.w.service.byId(s.old.authorizationId)?.revoked, true);
    assert.deepEqual(s.run.lines.info, [`Revoked the old PAT 'feed' (${s.old.authorizationId}) (left by an earlier run).`]);
    assert.deepEqual(s.out.issues, []);
    assert.deepEqual(s.out.warnings, []);
  });

  it("gives 'replaced' as the reason by default", async () => {
    const s = await scene();
    await revokeReplaced(s.run, s.old, s.dests, s.out);
    assert.match(s.run.lines.info[0], /\(replaced\)\.$/);
  });

  it('revokeOld false: keeps it until it expires, says so, asks nobody', async () => {
    let asked = 0;
    const s = await scene({ revokeOld: false }, async () => {
      asked++;
      return [];
    });
    assert.equal(await revokeReplaced(s.run, s.old, s.dests, s.out), 'kept');
    assert.equal(s.w.service.byId(s.old.authorizationId)?.revoked, false);
    assert.equal(asked, 0);
    assert.deepEqual(s.run.lines.info, [`Kept the old PAT 'feed' (${s.old.authorizationId}) until it expires on ${s.old.validTo.slice(0, 10)} (revokeOld: false).`]);
    assert.deepEqual(s.w.service.calls.filter((c) => c.startsWith('revoke')), []);
  });

  it('another destination records it: kept, with a warning naming it (one holder)', async () => {
    const seen: Array<{ id: string; own: number }> = [];
    const s = await scene({}, async (id, own) => {
      seen.push({ id, own: own.length });
      return ["variable group 'Other', variable 'Copy'"];
    });
    assert.equal(await revokeReplaced(s.run, s.old, s.dests, s.out), 'kept');
    assert.deepEqual(seen, [{ id: s.old.authorizationId, own: 1 }], 'asked about that PAT, with the step\'s own stores');
    assert.equal(s.w.service.byId(s.old.authorizationId)?.revoked, false);
    assert.equal(s.out.warnings.length, 1);
    assert.ok(s.out.warnings[0].startsWith(`The old PAT 'feed' (${s.old.authorizationId}) was not revoked: variable group 'Other', variable 'Copy' also holds it. `), s.out.warnings[0]);
    assert.match(s.out.warnings[0], /list both in one step/);
  });

  it('several holders are all named', async () => {
    const s = await scene({}, async () => ['A', 'B']);
    await revokeReplaced(s.run, s.old, s.dests, s.out);
    assert.match(s.out.warnings[0], /was not revoked: A and B also hold it\. /);
  });

  it('a search started earlier is used instead of a new one', async () => {
    let asked = 0;
    const s = await scene({}, async () => {
      asked++;
      return [];
    });
    assert.equal(await revokeReplaced(s.run, s.old, s.dests, s.out, 'replaced', Promise.resolve(['Early'])), 'kept');
    assert.equal(asked, 0);
    assert.match(s.out.warnings[0], /Early also holds it/);
  });

  it('dry run: plans the revocation and revokes nothing', async () => {
    const s = await scene({ dryRun: true });
    assert.equal(await revokeReplaced(s.run, s.old, s.dests, s.out, 'why not'), 'kept');
    assert.deepEqual(s.out.plan, [`revoke PAT 'feed' (${s.old.authorizationId}) (why not)`]);
    assert.deepEqual(s.w.service.calls.filter((c) => c.startsWith('revoke')), []);
  });

  it("already gone: 'gone', so the caller looks for another run's PAT", async () => {
    const s = await scene();
    s.w.service.byId(s.old.authorizationId)!.revoked = true;
    assert.equal(await revokeReplaced(s.run, s.old, s.dests, s.out), 'gone');
    assert.match(s.run.lines.info[0], /was gone when this run revoked it/);
    assert.deepEqual(s.out.issues, []);
  });

  it('a revoke that fails is an issue naming the PAT, its expiry and the error, not a failure', async () => {
    const s = await scene();
    s.w.service.faults.add({ op: 'revoke', error: new PatLifecycleError('service', 'HTTP 500', 'Azure DevOps failed') });
    assert.equal(await revokeReplaced(s.run, s.old, s.dests, s.out), 'kept');
    assert.equal(s.out.issues.length, 1);
    const issue = s.out.issues[0];
    assert.ok(issue.startsWith(`The old PAT 'feed' (${s.old.authorizationId}) could not be revoked (Azure DevOps failed [HTTP 500]). It stays valid until ${s.old.validTo.slice(0, 10)}`), issue);
    assert.deepEqual(s.run.lines.info, []);
  });
});

describe('heldElsewhere: other destinations that record a PAT', () => {
  it('none to ask (no finder): nobody', async () => {
    const s = await scene();
    assert.deepEqual(await heldElsewhere(s.run, s.old, s.dests), []);
  });

  it('names what the finder found', async () => {
    const s = await scene({}, async () => ['X']);
    assert.deepEqual(await heldElsewhere(s.run, s.old, s.dests), ['X']);
  });

  it('a search that failed counts as a holder: not knowing is no proof that nobody holds it', async () => {
    const s = await scene({}, async () => {
      throw new PatLifecycleError('permission', 'HTTP 403', 'no access');
    });
    assert.deepEqual(await heldElsewhere(s.run, s.old, s.dests), ['a destination the task could not check (HTTP 403)']);
    assert.equal(await revokeReplaced(s.run, s.old, s.dests, s.out), 'kept');
    assert.equal(s.w.service.byId(s.old.authorizationId)?.revoked, false);
  });
});
