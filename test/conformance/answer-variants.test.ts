// The bundled task against each answer the emulator gives where the spec and Microsoft's examples disagree: revoke
// answering 204 (example) or 200 (spec), and a last list page with `continuationToken: ""` (example) or without it.
import assert from 'node:assert/strict';
import { TaskFixture, useTaskFixture } from '../task/task-fixture';

describe('the task handles both answers where the spec and the examples disagree (black box)', function () {
  this.timeout(120_000);
  let f: TaskFixture;
  useTaskFixture((fixture) => (f = fixture), { shared: true });

  for (const revoke of [204, 200] as const) {
    it(`revokes when the service answers ${revoke}`, async () => {
      f.emu.control.pats.answerVariants({ revoke });
      const name = `old-bot-${revoke}`;
      f.seedPat(name);
      const run = await f.run({ action: 'revoke', displayName: name });
      assert.equal(run.result, 'Succeeded', run.message);
      assert.equal(f.activePats(name).length, 0);
      assert.equal(f.emu.log.entries({ route: 'pats.revoke' }).at(-1)?.status, revoke);
    });
  }

  for (const lastPageToken of ['empty', 'absent'] as const) {
    it(`lists every PAT when the last page's continuationToken is ${lastPageToken}`, async () => {
      f.emu.control.pats.answerVariants({ lastPageToken });
      f.seedPat(`listed-${lastPageToken}`, { daysLeft: 40 });
      const run = await f.run({ action: 'list' });
      assert.equal(run.result, 'Succeeded', run.message);
      assert.ok(run.info.some((l) => l.startsWith(`listed-${lastPageToken} `)), run.info.join('\n'));
      const body = f.emu.log.entries({ route: 'pats.list' }).at(-1)?.responseBody as Record<string, unknown>;
      assert.equal('continuationToken' in body, lastPageToken === 'empty');
    });
  }
});
