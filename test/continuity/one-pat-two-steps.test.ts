/**
 * Two steps rotating one PAT into two places, with a hand-made twin, over 70 days (docs/design.md, "Ownership": the
 * search for other holders before a revoke). A multi-week run on the emulator's clock, like the other continuity
 * suites; the bundled task runs as the agent runs it.
 */
import { strict as assert } from 'node:assert';
import { TaskFixture, useTaskFixture, type SeededPat } from '../task/task-fixture';

const DAY = 86_400_000;

describe('one PAT in two places, rotated by two steps (continuity)', function () {
  this.timeout(300_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture));

  it('over 70 days, two steps rotating one PAT into two variables and a hand-made twin: no variable ever holds a revoked or expired PAT', async () => {
    const handMade = [f.seedPat('personal-laptop', { scope: 'vso.code', daysLeft: 200 }), f.seedPat('release-bot', { scope: 'vso.release', daysLeft: 12 })];
    const state = (id: string) => f.pats().find((p) => p.authorizationId === id)?.state;
    const rotateInputs = (variableName: string) => ({ action: 'rotate', displayName: 'feed', target: 'variableGroup', variableGroup: 'Tokens', variableName, rotateWhenExpiresWithinDays: 7 });
    const shared = f.seedPat('feed', { daysLeft: 30 });
    const group = f.addGroup('Tokens', { FeedPat: { value: shared.token, isSecret: true }, FeedPat2: { value: shared.token, isSecret: true } });
    const holds = (variable: string) => {
      const v = f.group(group).variables;
      const id = v[`${variable}.authorizationId`]?.value;
      const pat = f.pats().find((p) => p.authorizationId === id);
      return { id, pat, value: v[variable].value };
    };
    let twin: SeededPat | undefined;
    for (let day = 0; day < 70; day++) {
      // Someone makes a PAT of the same name and scopes by hand for their own use.
      if (day === 5) twin = f.seedPat('feed', { daysLeft: 60 });
      for (const variable of ['FeedPat', 'FeedPat2']) {
        const run = await f.run(rotateInputs(variable));
        assert.notEqual(run.result, 'Failed', `day ${day} ${variable}: ${run.message}`);
      }
      for (const variable of ['FeedPat', 'FeedPat2']) {
        const h = holds(variable);
        assert.equal(h.pat?.state, 'active', `day ${day}: ${variable} holds an active PAT`);
        assert.equal(h.pat?.token, h.value, `day ${day}: ${variable} holds that PAT's value`);
        assert.ok(Date.parse(h.pat!.validTo) > f.emu.clock.now(), `day ${day}: ${variable} holds a PAT that has not expired`);
      }
      if (twin) assert.notEqual(state(twin.authorizationId), 'revoked', `day ${day}: the hand-made twin was not revoked`);
      if (day === 0) assert.equal(holds('FeedPat').id, holds('FeedPat2').id, 'both adopted the one PAT');
      if (day > 30) assert.notEqual(holds('FeedPat').id, holds('FeedPat2').id, 'after the first rotation each holds its own PAT');
      f.emu.clock.advance(DAY);
    }
    assert.ok(f.emu.log.count({ route: 'pats.create' }) >= 4, 'both variables were rotated at least twice');
    for (const p of handMade) assert.notEqual(state(p.authorizationId), 'revoked', `hand-made PAT ${p.displayName} was not revoked`);
  });
});
