import { strict as assert } from 'node:assert';
import { executeOperation } from '../../../src/operations/execute';
import { DAY_MS } from '../../../src/clock';
import { testConfig, world, type World } from './fakes';
import type { Config } from '../../../src/config/types';

const create = (overrides: Partial<Config> = {}) => testConfig({ action: 'create', scopes: ['vso.code', 'vso.build'], selector: { displayNames: ['feed'], takeNewest: false }, ...overrides });
const twoGroups = { destinations: [testConfig().destinations[0], { kind: 'variableGroup' as const, group: { project: 'p', name: 'g' }, variableName: 'Copy', auth: 'user' as const }] };

async function one(w: World, config: Config) {
  const { outcomes } = await executeOperation(w.context(config));
  assert.equal(outcomes.length, 1);
  return outcomes[0];
}
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

describe('create: what it says it did', () => {
  it('plans the create and each write, then says until when the new PAT is valid', async () => {
    const w = world();
    const start = w.clock.t;
    const dry = await one(w, create({ dryRun: true, ...twoGroups }));
    assert.deepEqual(dry.plan, [`create PAT 'feed' (vso.code vso.build) valid until ${day(start + 30 * DAY_MS)}`, "write it to fake store 'FeedPat' and check what was stored", "write it to fake store 'Copy' and check what was stored"]);
    assert.equal(dry.detail, 'would create');
    const o = await one(w, create());
    assert.equal(o.detail, `created: valid until ${w.service.active('feed')[0].validTo.slice(0, 10)}`);
    assert.equal(o.pat?.token, null, 'the outcome never carries the value');
    assert.equal(o.pat?.authorizationId, w.service.active('feed')[0].authorizationId);
  });

  it('a PAT every destination holds: exists, named with its expiry; one destination short of it: a warning naming it', async () => {
    const w = world();
    const held = w.service.seed('feed', { scope: 'vso.code vso.build', daysLeft: 20 });
    w.store('FeedPat').hold(held);
    const o = await one(w, create());
    assert.equal(o.action, 'exists');
    assert.equal(o.detail, `exists: fake store 'FeedPat' already holds it (valid until ${held.validTo.slice(0, 10)}); use rotate to replace it`);
    assert.equal(o.storedIn, "fake store 'FeedPat'");
    assert.deepEqual(o.warnings, []);
    const both = await one(w, create(twoGroups));
    assert.equal(both.detail, `exists: fake store 'FeedPat' and fake store 'Copy' already hold it (valid until ${held.validTo.slice(0, 10)}); use rotate to replace it`);
    assert.equal(both.storedIn, "fake store 'FeedPat'; fake store 'Copy'");
    assert.deepEqual(both.warnings, [`fake store 'Copy' does not hold '${held.displayName}' (${held.authorizationId}); run rotate with rotateWhenExpiresWithinDays: 0 to put one PAT in every destination.`]);
  });

  it('adoption names the PAT and the destination in its warning and detail', async () => {
    const w = world();
    const manual = w.service.seed('feed', { scope: 'vso.code', daysLeft: 60 });
    w.store().value = 'pasted';
    const o = await one(w, create());
    assert.equal(o.detail, `adopted: fake store 'FeedPat' already holds it (valid until ${manual.validTo.slice(0, 10)}); use rotate to replace it`);
    assert.deepEqual(o.warnings, [`Adopted 'feed' (${manual.authorizationId}) in fake store 'FeedPat': the destination held a value with no record, so the task now records it as holding this PAT (the value was not changed).`]);
    assert.deepEqual(w.store().metadata, { authorizationId: manual.authorizationId, validTo: manual.validTo });
  });

  it('a dry run records no adoption; with two PATs of the name, or no destination, there is nothing to adopt', async () => {
    const w = world();
    w.service.seed('feed', { scope: 'vso.code', daysLeft: 60 });
    w.store().value = 'pasted';
    const dry = await one(w, create({ dryRun: true }));
    assert.equal(dry.action, 'adopted');
    assert.deepEqual(dry.warnings, []);
    assert.deepEqual(w.store().metadata, {}, 'nothing recorded in a dry run');
    w.service.seed('feed', { scope: 'vso.code', daysLeft: 50 });
    assert.equal((await one(w, create({ dryRun: true }))).action, 'planned', 'two of the name: which one the value is cannot be told');
    const none = world();
    none.service.seed('feed');
    assert.equal((await one(none, create({ dryRun: true, destinations: [] }))).action, 'planned');
  });

  it('a same-name PAT nothing records is named with its dates and left alone', async () => {
    const w = world();
    const twin = w.service.seed('feed', { scope: 'vso.code', ageDays: 3, daysLeft: 27 });
    const o = await one(w, create());
    assert.ok(
      o.warnings.includes(`Another active PAT is already named 'feed': 'feed' (${twin.authorizationId}) (created ${twin.validFrom.slice(0, 10)}, expires ${twin.validTo.slice(0, 10)}). No destination records it, so it was left alone; the new one has the same name.`),
      o.warnings.join('\n'),
    );
  });
});
