// docs/rotation.md "How many PATs per run" counts the requests one run makes to Azure DevOps (what its rate limit
// meters): measured here with the bundled task against the emulator, so the figures the TSTU estimate rests on stay
// true. The matrix sample it points at is checked for the fan-out it describes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startEmulator, type Emulator } from '../emulator';
import { DAY, GROUP, pipelineStep, seedPat, seedSignedInPipeline, type SignedInPipeline } from '../../scripts/demo-pipeline';
import { REPO_ROOT } from '../support/task-json';

const rotation = readFileSync(join(REPO_ROOT, 'docs', 'rotation.md'), 'utf8');

/** The figures the doc states. */
function documented(): { notDue: number; fixed: number; perPat: number } {
  const notDue = /\| rotate, nothing due[^|]*\| (\d+) requests per run/.exec(rotation);
  const due = /\| rotate, N PATs due[^|]*\| at most (\d+) \+ (\d+) × N requests/.exec(rotation);
  assert.ok(notDue && due, 'docs/rotation.md has no request table');
  return { notDue: Number(notDue[1]), fixed: Number(due[1]), perPat: Number(due[2]) };
}

describe('docs: how many PATs per run (requests to Azure DevOps, measured)', function () {
  this.timeout(120_000);
  let emu: Emulator;
  let p: SignedInPipeline;

  before(async () => {
    emu = await startEmulator();
    p = seedSignedInPipeline(emu);
    for (let i = 0; i < 5; i++) seedPat(emu, p, `build-${i}`, 'vso.build', 40);
    seedPat(emu, p, 'solo', 'vso.build', 40);
  });
  after(async () => {
    await emu?.close();
  });

  const rotate = (selector: Record<string, string>) => ({ action: 'rotate', ...selector, lifetimeDays: 30, rotateWhenExpiresWithinDays: 7, target: 'variableGroup', variableGroup: GROUP, variableName: 'Pat.{name}' });
  /** Runs one step and counts its requests to Azure DevOps (not to Entra or Key Vault, which it does not meter). */
  async function devopsRequests(inputs: Record<string, string | number>): Promise<number> {
    const last = emu.log.entries().at(-1)?.seq ?? 0;
    const run = await pipelineStep(emu, p, inputs);
    assert.ok(run.result === 'Succeeded', `${run.result}: ${run.message}`);
    return emu.log.entries((e) => e.seq > last && e.service !== 'entra' && e.service !== 'keyVault').length;
  }

  it('matches the table: a run with nothing due, one due PAT, five due PATs', async () => {
    const doc = documented();
    await devopsRequests(rotate({ patNamePattern: 'build-*' })); // fills the empty destinations
    await devopsRequests(rotate({ patName: 'solo' }));
    assert.equal(await devopsRequests(rotate({ patName: 'solo' })), doc.notDue, 'one PAT, not due');
    // A pattern also lists the revoked PATs (a stored one revoked outside the task): one request more, as the doc says.
    assert.match(rotation, /`patNamePattern` makes one request more per run/);
    assert.equal(await devopsRequests(rotate({ patNamePattern: 'build-*' })), doc.notDue + 1, 'five PATs by a pattern, none due');
    emu.clock.advance(25 * DAY);
    assert.equal(await devopsRequests(rotate({ patName: 'solo' })), doc.fixed + doc.perPat, 'one due PAT');
    const five = await devopsRequests(rotate({ patNamePattern: 'build-*' }));
    assert.ok(five <= doc.fixed + 1 + 5 * doc.perPat && five > doc.fixed + 4 * (doc.perPat - 1), `five due PATs: ${five} requests`);
  });

  it('derives the per-identity figure from them: (200 − fixed) / per PAT', () => {
    const doc = documented();
    const perWindow = Math.floor((200 - doc.fixed) / doc.perPat);
    assert.match(rotation, new RegExp(`\\(200 − ${doc.fixed}\\) / ${doc.perPat} = ${perWindow} due PATs`));
  });

  it('the matrix sample fans out as it says: one job per sign-in from a parameter, a matrix leg per organization, one at a time', () => {
    type Job = { strategy: { maxParallel: number; matrix: Record<string, unknown> }; steps: Array<{ inputs?: Record<string, string> }> };
    type Sample = { parameters: Array<{ name: string; default: Array<{ organizations: string[] }> }>; jobs: Array<Record<string, Job[]>> };
    const sample = parse(readFileSync(join(REPO_ROOT, 'samples', 'rotate-many-matrix.yml'), 'utf8')) as Sample;
    const signIns = sample.parameters.find((x) => x.name === 'signIns')!.default;
    assert.ok(signIns.length >= 2 && signIns.some((s) => s.organizations.length >= 2), 'several sign-ins, one with several organizations');
    const [eachKey] = Object.keys(sample.jobs[0]!);
    assert.match(eachKey!, /^\$\{\{ each signIn in parameters\.signIns \}\}$/);
    const job = sample.jobs[0]![eachKey!]![0]!;
    assert.equal(job.strategy.maxParallel, 1);
    assert.match(Object.keys(job.strategy.matrix)[0]!, /^\$\{\{ each organization in signIn\.organizations \}\}$/);
    const inputs = job.steps.find((s) => s.inputs)!.inputs!;
    assert.equal(inputs['signInConnection'], '${{ signIn.connection }}');
    assert.equal(inputs['organization'], '$(organization)');
  });
});
