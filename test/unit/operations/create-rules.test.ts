import { strict as assert } from 'node:assert';
import { executeOperation } from '../../../src/operations/execute';
import { INTENT_STALE_MS } from '../../../src/operations/ownership';
import { STORE_CHANGED } from '../../../src/stores/secret-store';
import { testConfig, world, type World } from './fakes';
import type { Config } from '../../../src/config/types';

const group = (variableName: string) => ({ kind: 'variableGroup' as const, group: { project: 'p', name: 'g' }, variableName, auth: 'user' as const });
const create = (destinations: Config['destinations'] = [group('FeedPat')], overrides: Partial<Config> = {}) =>
  testConfig({ action: 'create', scopes: ['vso.code'], selector: { displayNames: ['feed'], takeNewest: false }, destinations, ...overrides });

async function one(w: World, config: Config) {
  const { outcomes } = await executeOperation(w.context(config));
  assert.equal(outcomes.length, 1);
  return outcomes[0];
}

/** Starts a run and returns once it "crashed" (a call that never returns, as when the process is killed). */
async function runUntilCrash(w: World, config: Config): Promise<void> {
  const crashed = new Promise<void>((resolve) => (w.service.faults.onCrash = () => resolve()));
  void executeOperation(w.context(config));
  await crashed;
  w.service.faults.crashed = false;
}

describe('create: which same-name PATs count', () => {
  it('a re-run after a create that was never stored revokes the leftover and does not take it for a twin', async () => {
    const w = world();
    w.service.faults.add({ op: 'create', when: 'after', error: 'crash' });
    await runUntilCrash(w, create());
    const [orphan] = w.service.active('feed');
    // The service's IDs are compared in any case.
    orphan.authorizationId = orphan.authorizationId.toUpperCase();
    w.clock.t += INTENT_STALE_MS + 60_000;
    const o = await one(w, create());
    assert.equal(o.action, 'created', o.detail);
    assert.equal(orphan.revoked, true);
    assert.ok(o.warnings.some((x) => x.startsWith(`Revoked leftover PAT 'feed' (${orphan.authorizationId})`)), o.warnings.join('\n'));
    assert.ok(!o.warnings.some((x) => x.startsWith('Another active PAT')), o.warnings.join('\n'));
    const [fresh] = w.service.active('feed');
    assert.equal(w.store().metadata.authorizationId, fresh.authorizationId);
  });
});

describe('create: adoption of a value without a record', () => {
  it('PATs of other names are neither twins nor in the way of adopting the one PAT of the name', async () => {
    const w = world();
    const other = w.service.seed('other', { scope: 'vso.code' });
    const fresh = await one(w, create());
    assert.equal(fresh.action, 'created');
    assert.ok(!fresh.warnings.some((x) => x.includes(other.authorizationId)), fresh.warnings.join('\n'));
    const a = world();
    a.service.seed('other', { scope: 'vso.code' });
    const manual = a.service.seed('feed', { scope: 'vso.code' });
    a.store().value = 'pasted';
    const adopted = await one(a, create());
    assert.equal(adopted.action, 'adopted');
    assert.equal(adopted.pat?.authorizationId, manual.authorizationId);
  });

  it('needs every destination to hold such a value: with one empty, a new PAT is created and the other is named', async () => {
    const w = world();
    const manual = w.service.seed('feed', { scope: 'vso.code' });
    w.store('FeedPat').value = 'pasted';
    const o = await one(w, create([group('FeedPat'), group('Copy')]));
    assert.equal(o.action, 'created');
    assert.ok(o.warnings.some((x) => x.startsWith('Another active PAT') && x.includes(manual.authorizationId)));
    assert.notEqual(w.store('Copy').metadata.authorizationId, manual.authorizationId);
  });

  it('records the PAT in every destination and warns once, naming them all; none is reported missing', async () => {
    const w = world();
    const manual = w.service.seed('feed', { scope: 'vso.code' });
    w.store('FeedPat').value = 'pasted';
    w.store('Copy').value = 'pasted';
    const o = await one(w, create([group('FeedPat'), group('Copy')]));
    assert.equal(o.action, 'adopted');
    assert.deepEqual(o.warnings, [`Adopted 'feed' (${manual.authorizationId}) in fake store 'FeedPat' and fake store 'Copy': the destination held a value with no record, so the task now records it as holding this PAT (the value was not changed).`]);
    for (const name of ['FeedPat', 'Copy']) assert.deepEqual(w.store(name).metadata, { authorizationId: manual.authorizationId, validTo: manual.validTo }, name);
    assert.equal(o.detail, `adopted: fake store 'FeedPat' and fake store 'Copy' already hold it (valid until ${manual.validTo.slice(0, 10)}); use rotate to replace it`);
    assert.equal(o.pat?.authorizationId, manual.authorizationId);
    assert.equal(w.service.pats.length, 1, 'nothing created');
  });

  it('is refused when the destination changed after it was read', async () => {
    const w = world();
    w.service.seed('feed', { scope: 'vso.code' });
    const store = w.store();
    store.value = 'pasted';
    const mark = store.mark.bind(store);
    store.mark = (metadata, condition) => {
      store.metadata.authorizationId = '0f0e0d0c-0b0a-4909-8807-060504030201';
      return mark(metadata, condition);
    };
    const o = await one(w, create());
    assert.equal(o.action, 'failed');
    assert.equal(o.error?.code, STORE_CHANGED);
    assert.equal(store.metadata.authorizationId, '0f0e0d0c-0b0a-4909-8807-060504030201');
  });
});

describe('create: a PAT some destinations hold', () => {
  it('names every destination short of it in one warning', async () => {
    const w = world();
    const held = w.service.seed('feed', { scope: 'vso.code' });
    w.store('FeedPat').hold(held);
    const o = await one(w, create([group('FeedPat'), group('Copy'), group('Third')]));
    assert.equal(o.action, 'exists');
    assert.deepEqual(o.warnings, [`fake store 'Copy' and fake store 'Third' do not hold 'feed' (${held.authorizationId}); run rotate with rotateWhenExpiresWithinDays: 0 to put one PAT in every destination.`]);
    assert.equal(o.pat?.authorizationId, held.authorizationId);
    assert.equal(w.store('Copy').writes, 0);
  });
});
