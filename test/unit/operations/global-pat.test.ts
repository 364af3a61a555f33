import { strict as assert } from 'node:assert';
import { isGlobal, narrowGlobalPat } from '../../../src/operations/global-pat';
import { executeOperation } from '../../../src/operations/execute';
import { PatDirectory } from '../../../src/operations/pat-directory';
import { newOutcome, type OperationRun } from '../../../src/operations/types';
import { PatLifecycleError } from '../../../src/errors';
import { testConfig, world, type World } from './fakes';
import type { Config } from '../../../src/config/types';
import type { PatToken } from '../../../src/devops/types';

const pat = (targetAccounts: string[] | null): PatToken => ({
  displayName: 'feed',
  authorizationId: 'aaaa-0001',
  scope: 'vso.code',
  validFrom: '2026-11-01T00:00:00Z',
  validTo: '2026-12-10T00:00:00Z',
  targetAccounts,
  token: null,
});

function runOf(w: World, overrides: Partial<Config> = {}): OperationRun {
  return { ...w.context(testConfig({ organization: 'contoso', ...overrides })), directory: new PatDirectory(w.service) };
}

describe('global PATs: valid in every organization of the user', () => {
  it('a PAT without target accounts is global; one with any list of them is not', () => {
    assert.equal(isGlobal(pat(null)), true);
    assert.equal(isGlobal(pat(['org-guid'])), false);
    assert.equal(isGlobal(pat([])), false);
  });

  it('a PAT of this organization: no plan step, nothing refused', () => {
    const w = world();
    const out = newOutcome('feed');
    narrowGlobalPat(runOf(w), pat(['org-guid']), out, 'its replacement');
    assert.deepEqual(out.plan, []);
    assert.deepEqual(w.host.infos, []);
  });

  it('a global PAT without allowNarrowingGlobalPat: the plan says what narrows, then the step is refused naming the input and the way on', () => {
    const w = world();
    const out = newOutcome('feed');
    assert.throws(
      () => narrowGlobalPat(runOf(w), pat(null), out, 'its replacement'),
      (e: PatLifecycleError) =>
        e.kind === 'input' &&
        e.code === 'GlobalPatNotNarrowed' &&
        e.input === 'allowNarrowingGlobalPat' &&
        e.message === "PAT 'feed' (aaaa-0001) is global (valid in all organizations); its replacement would be valid in organization 'contoso' only, which other organizations using it would lose. Nothing was changed." &&
        e.hint === "Set allowNarrowingGlobalPat: true to make it valid in 'contoso' only (global PATs stopped working on 2026-12-01 anyway), or create a PAT per organization that needs one.",
    );
    const step = "PAT 'feed' (aaaa-0001) is global (valid in all organizations; Azure DevOps retired global PATs on 2026-12-01): its replacement is valid in organization 'contoso' only";
    assert.deepEqual(out.plan, [step]);
    assert.deepEqual(w.host.infos, [`Plan: ${step} [PAT 'feed']`], 'the plan is shown before the refusal');
  });

  it('a global PAT with allowNarrowingGlobalPat: the plan says so and the step goes on', () => {
    const w = world();
    const out = newOutcome('feed');
    narrowGlobalPat(runOf(w, { allowNarrowingGlobalPat: true }), pat(null), out, 'the updated PAT');
    assert.deepEqual(out.plan, ["PAT 'feed' (aaaa-0001) is global (valid in all organizations; Azure DevOps retired global PATs on 2026-12-01): the updated PAT is valid in organization 'contoso' only"]);
  });

  it('rotate and update refuse a global PAT and change nothing', async () => {
    for (const action of ['rotate', 'update'] as const) {
      const w = world();
      const global = w.service.seed('feed', { daysLeft: 2 });
      global.targetAccounts = null;
      w.store().hold(global);
      const { outcomes } = await executeOperation(w.context(testConfig({ action, ...(action === 'update' ? { destinations: [] } : {}) })));
      assert.equal(outcomes[0].error?.code, 'GlobalPatNotNarrowed', action);
      assert.deepEqual(w.service.calls, ['list active'], action);
    }
  });
});
