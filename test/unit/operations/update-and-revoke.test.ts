import { strict as assert } from 'node:assert';
import { executeOperation } from '../../../src/operations/execute';
import { DAY_MS } from '../../../src/clock';
import { testConfig, world, type World } from './fakes';
import type { Config } from '../../../src/config/types';

async function one(w: World, config: Config) {
  const { outcomes } = await executeOperation(w.context(config));
  assert.equal(outcomes.length, 1);
  return outcomes[0];
}
const update = (overrides: Partial<Config> = {}) => testConfig({ action: 'update', destinations: [], ...overrides });
const revoke = (overrides: Partial<Config> = {}) => testConfig({ action: 'revoke', destinations: [], ...overrides });
const byId = (authorizationId: string) => ({ selector: { displayNames: [], authorizationId, takeNewest: false } });

describe('update: what it says it did', () => {
  it('names the changes in its plan, its log and its detail; keeps the PAT before and after', async () => {
    const w = world();
    const pat = w.service.seed('feed', { daysLeft: 2 });
    const o = await one(w, update({ ...byId(pat.authorizationId), newDisplayName: 'feed-2', scopes: ['vso.code', 'vso.build'] }));
    const until = new Date(w.clock.t + 30 * DAY_MS).toISOString().slice(0, 10);
    const changes = `valid until ${until}, scopes vso.code vso.build, name 'feed-2'`;
    assert.equal(o.action, 'updated');
    assert.equal(o.detail, `updated: ${changes}`);
    assert.deepEqual(o.plan, [`update PAT 'feed' (${pat.authorizationId}): ${changes}`]);
    assert.ok(w.host.infos.includes(`Plan: update PAT 'feed' (${pat.authorizationId}): ${changes} [PAT 'feed']`), w.host.infos.join('\n'));
    assert.equal(o.previous?.displayName, 'feed');
    assert.equal(o.pat?.displayName, 'feed-2');
    assert.deepEqual(w.service.byId(pat.authorizationId)?.targetAccounts, ['org-guid'], 'still this organization only');
    assert.deepEqual(o.warnings, [], 'not shortened, no warning');
  });

  it('keeps the scopes and the name when none are given', async () => {
    const w = world();
    const pat = w.service.seed('feed', { scope: 'vso.packaging vso.code' });
    const o = await one(w, update());
    assert.match(o.detail, /^updated: valid until \d{4}-\d\d-\d\d$/);
    assert.equal(w.service.byId(pat.authorizationId)?.scope, 'vso.packaging vso.code');
    assert.equal(w.service.byId(pat.authorizationId)?.displayName, 'feed');
  });

  it('dry run: the plan, announced as such, and no update call', async () => {
    const w = world();
    const pat = w.service.seed('feed');
    const o = await one(w, update({ dryRun: true }));
    assert.equal(o.action, 'planned');
    assert.match(o.detail, /^would update: valid until /);
    assert.equal(o.pat?.authorizationId, pat.authorizationId);
    assert.ok(w.host.infos.some((l) => l.startsWith(`Dry run, would update PAT 'feed' (${pat.authorizationId})`)));
    assert.ok(!w.service.calls.some((c) => c.startsWith('update')));
  });

  it('the capped extension is named with both dates', async () => {
    const w = world();
    const pat = w.service.seed('feed', { ageDays: 20 });
    w.service.maxLifetimeDays = 30;
    const o = await one(w, update());
    const got = w.service.byId(pat.authorizationId)!.validTo.slice(0, 10);
    const asked = new Date(w.clock.t + 30 * DAY_MS).toISOString().slice(0, 10);
    assert.deepEqual(o.warnings, [
      `Azure DevOps set PAT 'feed' to expire on ${got}, not ${asked}: the organization limits a PAT's lifespan from the day it was created, so updating cannot extend it further. Use rotate for a fresh lifetime.`,
    ]);
  });

  it('a name with no PAT at all: check the name, nothing about expiry; a full-access PAT with allowFullAccess is updated', async () => {
    const w = world();
    const o = await one(w, update());
    assert.equal(o.error?.code, 'PatNotFound');
    assert.equal(o.error?.message, "No active PAT is named 'feed'");
    assert.match(o.error!.hint!, /check the name/);
    assert.equal(o.error?.input, 'patName');
    const expired = world();
    expired.service.seed('feed', { daysLeft: -1 });
    assert.equal((await one(expired, update())).error?.message, "No active PAT is named 'feed' (one has expired, and an expired PAT cannot be extended)");
    const full = world();
    full.service.seed('feed', { scope: 'app_token' });
    assert.equal((await one(full, update({ allowFullAccess: true }))).action, 'updated');
  });
});

describe('revoke: what it says it did', () => {
  it('revoked by ID: the PAT named in the outcome, the plan and the detail', async () => {
    const w = world();
    const pat = w.service.seed('feed');
    const o = await one(w, revoke(byId(pat.authorizationId.toUpperCase())));
    assert.equal(o.action, 'revoked');
    assert.equal(o.name, 'feed');
    assert.equal(o.detail, 'revoked');
    assert.equal(o.previous?.authorizationId, pat.authorizationId);
    assert.deepEqual(o.plan, [`revoke PAT 'feed' (${pat.authorizationId})`]);
  });

  it('an ID that is not among the active PATs is still sent; the service saying not found is success with a note', async () => {
    const w = world();
    const id = '00000000-0000-4000-8000-000000000001';
    const o = await one(w, revoke(byId(id)));
    assert.deepEqual(w.service.calls.filter((c) => c.startsWith('revoke')), [`revoke ${id}`]);
    assert.equal(o.action, 'alreadyGone');
    assert.equal(o.detail, `nothing to revoke: no PAT has the authorization ID ${id} (already revoked or expired)`);
    assert.deepEqual(o.plan, [`revoke PAT ${id}`]);
    const dry = await one(world(), revoke({ ...byId(id), dryRun: true }));
    assert.equal(dry.detail, 'would revoke (not among the active PATs)');
    assert.equal(dry.pat, undefined);
  });

  it('a name with no PAT: nothing sent, a note; dry run names the expiry of what it would revoke', async () => {
    const w = world();
    const o = await one(w, revoke());
    assert.equal(o.detail, "nothing to revoke: no active PAT is named 'feed' (already revoked or expired)");
    assert.deepEqual(o.plan, []);
    assert.ok(!w.service.calls.some((c) => c.startsWith('revoke')));
    const pat = w.service.seed('feed', { daysLeft: 5 });
    const dry = await one(w, revoke({ dryRun: true }));
    assert.equal(dry.detail, `would revoke (valid until ${pat.validTo.slice(0, 10)})`);
    assert.equal(dry.pat?.authorizationId, pat.authorizationId);
  });
});
