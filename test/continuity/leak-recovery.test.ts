/**
 * Three weeks of a scheduled pipeline (a job every third day rotating feed-reader into a variable group, the refresh
 * token saved back each time) on the emulator clock, in an organization with a hand-made twin and an older expired PAT of the same
 * name. On day 8 the stored feed-reader PAT is revoked outside the task (Azure DevOps found it leaked): its consumers
 * fail until the next scheduled run, which names the PAT as revoked and stores a replacement; from then on they hold a
 * working PAT again, and the schedule goes on as before. Nothing the task did not make is ever revoked.
 */
import { strict as assert } from 'node:assert';
import { ORG } from '../task/task-fixture';
import { DAY_MS, FEED_PAT, ScheduledPipeline, type StepRun } from './scheduled-pipeline';

const DAYS = 21;
const EVERY = 3;
const LEAK_DAY = 8;

describe('a stored PAT revoked mid-schedule is replaced by the next scheduled run (black box, continuity)', function () {
  this.timeout(300_000);
  let p: ScheduledPipeline;
  after(async () => {
    await p?.close();
  });

  it(`${DAYS} days, a job every ${EVERY} days, feed-reader revoked on day ${LEAK_DAY}: consumers work again after the next run`, async () => {
    p = await ScheduledPipeline.start({ feedDaysLeft: 20, deployDaysLeft: 10 });
    const { f } = p;
    // A realistic organization: an older feed-reader that expired, and one made by hand since (same name and scopes).
    const older = f.emu.control.pats.create(ORG, f.user.userId, { displayName: FEED_PAT, scope: 'vso.packaging', validTo: new Date(f.emu.clock.now() - 5 * DAY_MS) });
    const twin = f.seedPat(FEED_PAT, { scope: 'vso.packaging', daysLeft: 200 });
    const start = f.emu.clock.now();
    const dayOf = () => Math.round((f.emu.clock.now() - start) / DAY_MS);

    let leaked: string | undefined;
    let recovered = false;
    let replacement: string | undefined;
    const findings: string[] = [];
    for (let day = 0; day <= DAYS; day += EVERY) {
      f.emu.clock.advance((day - dayOf()) * DAY_MS);
      if (leaked === undefined && day >= LEAK_DAY - 1) {
        // Between two runs: revoked outside the task, while it is far from due.
        f.emu.clock.advance(DAY_MS / 2);
        leaked = f.group(p.feedsGroupId).variables['FeedReaderPat.authorizationId'].value;
        assert.ok(f.emu.control.pats.revoke(ORG, leaked));
        assert.equal(p.isValidPat(p.storedFeedToken()), false, 'the consumers of feed-reader fail now');
        f.emu.clock.advance(DAY_MS * 1.5);
      }
      const s1 = await p.step1();
      findings.push(...p.scan(s1).map((x) => `day ${dayOf()}: ${x}`));

      const leakRun = leaked !== undefined && !recovered;
      assertResult(s1, leakRun ? 'SucceededWithIssues' : 'Succeeded', dayOf());
      if (leakRun) {
        const report = s1.run.warnings.find((w) => w.includes(leaked!) && /revoked, not expired/.test(w));
        assert.ok(report, `day ${dayOf()}: the run names ${leaked} as revoked:\n${s1.run.warnings.join('\n')}`);
        assert.match(report!, /variable group 'feeds', variable 'FeedReaderPat'/);
        assert.equal(s1.run.outputs['rotated'].value, 'true');
        replacement = s1.run.outputs['authorizationId'].value;
        recovered = true;
      }
      assert.ok(p.isValidPat(p.storedFeedToken()), `day ${dayOf()}: feed-reader's consumers hold a working PAT`);
      const state = (id: string) => p.pats().find((x) => x.authorizationId === id)?.state;
      assert.equal(state(twin.authorizationId), 'active', `day ${dayOf()}: the hand-made twin was left alone`);
      assert.equal(state(older.authorizationId), 'expired');
    }
    assert.ok(recovered, 'the leak was met and recovered from');
    assert.deepEqual(findings, [], 'no secret in any log, summary or request log');
    // The replacement made on the run after the leak is what the consumers still hold: no further rotation was due.
    const stored = p.pats(FEED_PAT).find((x) => x.token === p.storedFeedToken());
    assert.equal(stored?.state, 'active');
    assert.equal(stored?.authorizationId, replacement, 'made by the run after the leak');
  });
});

function assertResult(s: StepRun, expected: 'Succeeded' | 'SucceededWithIssues', day: number): void {
  assert.equal(s.run.result, expected, `day ${day}: ${s.run.result}: ${s.run.message}\nwarnings: ${s.run.warnings.join('\n')}\n${s.run.stderr}`);
}
