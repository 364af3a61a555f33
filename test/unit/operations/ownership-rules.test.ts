/**
 * The ownership rules (src/operations/ownership.ts) at unit level: what a destination's record says (and what it is
 * not allowed to say), that a record is only a hint checked against the step, and the edges of an intent's window.
 */
import { strict as assert } from 'node:assert';
import {
  ambiguousName,
  busyError,
  destinationOf,
  dropForeignRecords,
  formatIntent,
  INTENT_DEADLINE_MS,
  INTENT_STALE_MS,
  matchesIntent,
  parseIntent,
  recordFitsStep,
  recordPlace,
  sameId,
  unrecorded,
} from '../../../src/operations/ownership';
import { PatLifecycleError } from '../../../src/errors';
import type { PatToken } from '../../../src/devops/types';
import type { SecretStore, StoredSecretInfo } from '../../../src/stores/secret-store';
import { FakeStore } from './fakes';

const A = 'AAAAAAAA-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';

function pat(o: Partial<PatToken>): PatToken {
  return { authorizationId: A.toLowerCase(), displayName: 'feed', scope: 'vso.packaging', validFrom: '2026-12-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z', targetAccounts: ['org'], token: null, ...o };
}

function info(exists: boolean, metadata: Record<string, string> = {}): StoredSecretInfo {
  return { exists, metadata };
}

/** A store that names its records itself, as the variable group store does. */
function namedStore(name: string): SecretStore {
  const s = new FakeStore(name);
  return Object.assign(s, { recordName: (key: string) => `variable '${name}.${key}' of variable group 'Tokens'` });
}

describe('ownership: intents', () => {
  const at = new Date('2026-12-05T10:00:00.000Z');
  const asked = '2027-01-04T10:00:00.000Z';
  const intent = parseIntent(formatIntent(at, asked, 'run-7'))!;
  const skew = 10 * 60_000;
  const made = (ms: number, validTo = asked) => pat({ validFrom: new Date(at.getTime() + ms).toISOString(), validTo });

  it('is written as one line, v1, the time, the validTo asked for and the run, and kept verbatim', () => {
    const raw = formatIntent(at, asked, 'run-7');
    assert.equal(raw, 'v1 2026-12-05T10:00:00.000Z 2027-01-04T10:00:00.000Z run-7');
    assert.equal(intent.raw, raw);
  });

  it('is no intent when missing, padded, extended, or its validTo is no date', () => {
    for (const raw of [undefined, ` v1 ${at.toISOString()} ${asked} r`, `v1 ${at.toISOString()} ${asked} r extra`, `v1 ${at.toISOString()} someday r`]) {
      assert.equal(parseIntent(raw), undefined, String(raw));
    }
  });

  it("matches a PAT created from the skew allowed before the intent to the run's deadline plus the skew after it, not beyond", () => {
    assert.equal(matchesIntent(intent, made(-skew), 'feed'), true, 'created as early as the clocks can disagree');
    assert.equal(matchesIntent(intent, made(-skew - 1), 'feed'), false);
    assert.equal(matchesIntent(intent, made(INTENT_DEADLINE_MS + skew), 'feed'), true, 'created as late as the run may have');
    assert.equal(matchesIntent(intent, made(INTENT_DEADLINE_MS + skew + 1), 'feed'), false);
  });

  it('matches the validTo asked for to within a second either way, or any earlier one (a lifespan policy), never a later one', () => {
    const to = (ms: number) => new Date(Date.parse(asked) + ms).toISOString();
    assert.equal(matchesIntent(intent, made(1000, to(1000)), 'feed'), true, 'a second later: the service rounding');
    assert.equal(matchesIntent(intent, made(1000, to(1001)), 'feed'), false, 'later than asked: not this create');
    assert.equal(matchesIntent(intent, made(1000, to(-1000)), 'feed'), true);
    assert.equal(matchesIntent(intent, made(1000, to(-5 * 86_400_000)), 'feed'), true, 'shortened by a policy');
  });
});

describe('ownership: what a destination records', () => {
  const store = new FakeStore('FeedPat');

  it('holds the PAT its record names (lower case) only when a value is there', () => {
    const d = destinationOf(store, info(true, { authorizationId: A, replaced: B.toUpperCase(), pending: 'not an intent' }));
    assert.equal(d.held, A.toLowerCase());
    assert.equal(d.recorded, A.toLowerCase());
    assert.equal(d.replaced, B);
    assert.equal(d.pending, 'not an intent', 'pending verbatim, for compare-and-write');
    assert.equal(d.intent, undefined);
    assert.equal(unrecorded(d), false);

    const placeholder = destinationOf(store, info(false, { authorizationId: A }));
    assert.equal(placeholder.held, undefined, 'a record without a value holds nothing');
    assert.equal(placeholder.recorded, '');
    assert.equal(unrecorded(placeholder), false, 'no value, nothing unrecorded');
  });

  it('an empty record is no record: a value without one is unrecorded, and no key is set for what is not there', () => {
    const d = destinationOf(store, info(true, { authorizationId: '', replaced: '' }));
    assert.equal(unrecorded(d), true);
    assert.equal(d.recorded, '');
    assert.equal(d.pending, '');
    for (const key of ['held', 'replaced', 'intent']) assert.equal(key in d, false, key);
  });

  it('reads the intent of a run that is creating a PAT for it', () => {
    const raw = formatIntent(new Date('2026-12-05T10:00:00Z'), '2027-01-04T10:00:00.000Z', 'run-7');
    const d = destinationOf(store, info(false, { pending: raw }));
    assert.equal(d.intent?.run, 'run-7');
    assert.equal(d.pending, raw);
  });

  it('compares authorization IDs without case, and nothing equals only nothing', () => {
    assert.equal(sameId(A, A.toLowerCase()), true);
    assert.equal(sameId(A, B), false);
    assert.equal(sameId(undefined, ''), true);
    assert.equal(sameId(undefined, A), false);
  });

  it('names where a record is kept: by the store when it can, else by its label', () => {
    const d = destinationOf(namedStore('FeedPat'), info(true));
    assert.equal(recordPlace(d, 'replaced'), "variable 'FeedPat.replaced' of variable group 'Tokens'");
    assert.equal(recordPlace(destinationOf(store, info(true)), 'authorizationId'), "record 'authorizationId' of fake store 'FeedPat'");
  });
});

describe('ownership: a record is a hint checked against the step', () => {
  it("fits the step when the PAT has the step's name, or the step selected it by its authorization ID", () => {
    assert.equal(recordFitsStep(pat({ displayName: 'feed' }), { name: 'feed' }), true);
    assert.equal(recordFitsStep(pat({ displayName: 'Feed' }), { name: 'feed' }), false, 'names are exact');
    assert.equal(recordFitsStep(pat({ displayName: 'deploy' }), { name: 'feed' }), false);
    assert.equal(recordFitsStep(pat({ displayName: 'deploy' }), { name: 'feed', authorizationId: A }), true, 'selected by ID, IDs without case');
    assert.equal(recordFitsStep(pat({ displayName: 'deploy' }), { name: 'feed', authorizationId: B }), false);
  });

  it("forgets a record that names another name's PAT, warning where the record is and which PAT", () => {
    const foreign = pat({ authorizationId: B, displayName: 'admin-full' });
    const d = destinationOf(namedStore('FeedPat'), info(true, { authorizationId: B.toUpperCase(), replaced: B }));
    const warnings: string[] = [];
    dropForeignRecords([d], [pat({}), foreign], { name: 'feed' }, (w) => warnings.push(w));
    assert.equal(d.held, undefined);
    assert.equal(d.replaced, undefined);
    assert.equal(unrecorded(d), true, "the step's own PAT is then adopted by its name");
    assert.equal(d.recorded, B, 'compare-and-write still checks what is stored');
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, new RegExp(`^Ignored variable 'FeedPat\\.authorizationId' of variable group 'Tokens': it names PAT 'admin-full' \\(${B}\\), which is not this step's PAT 'feed'\\.`));
    assert.match(warnings[1]!, /^Ignored variable 'FeedPat\.replaced' of variable group 'Tokens': it names PAT 'admin-full'/);
    assert.match(warnings[0]!, /check who changed it\.$/);
  });

  it("keeps records of the step's own PAT, of a PAT the step selected by ID, and of a PAT not in the list", () => {
    const own = pat({});
    const other = pat({ authorizationId: B, displayName: 'deploy' });
    const warnings: string[] = [];
    const mine = destinationOf(new FakeStore('a'), info(true, { authorizationId: own.authorizationId, replaced: own.authorizationId }));
    dropForeignRecords([mine], [own, other], { name: 'feed' }, (w) => warnings.push(w));
    assert.equal(mine.held, own.authorizationId);
    assert.equal(mine.replaced, own.authorizationId);

    const selected = destinationOf(new FakeStore('b'), info(true, { authorizationId: B }));
    dropForeignRecords([selected], [own, other], { name: 'feed', authorizationId: B.toUpperCase() }, (w) => warnings.push(w));
    assert.equal(selected.held, B);

    const unlisted = destinationOf(new FakeStore('c'), info(true, { authorizationId: 'cccccccc-0000-4000-8000-000000000003' }));
    dropForeignRecords([unlisted], [own, other], { name: 'feed' }, (w) => warnings.push(w));
    assert.equal(unlisted.held, 'cccccccc-0000-4000-8000-000000000003', 'looked up later, not dropped here');
    assert.deepEqual(warnings, []);
  });

  it('drops only the record that is foreign: a foreign replaced leaves the held record, and the other way round', () => {
    const own = pat({});
    const other = pat({ authorizationId: B, displayName: 'deploy' });
    const warnings: string[] = [];
    const d1 = destinationOf(new FakeStore('a'), info(true, { authorizationId: own.authorizationId, replaced: B }));
    const d2 = destinationOf(new FakeStore('b'), info(true, { authorizationId: B, replaced: own.authorizationId }));
    dropForeignRecords([d1, d2], [own, other], { name: 'feed' }, (w) => warnings.push(w));
    assert.equal(d1.held, own.authorizationId);
    assert.equal(d1.replaced, undefined);
    assert.equal(d2.held, undefined);
    assert.equal(d2.replaced, own.authorizationId);
    assert.deepEqual(
      warnings.map((w) => w.slice(0, w.indexOf(':'))),
      ["Ignored record 'replaced' of fake store 'a'", "Ignored record 'authorizationId' of fake store 'b'"],
    );
  });
});

describe('ownership: refusals', () => {
  it('another run busy with the PAT: RotationInProgress, how long ago it started, and when a re-run cleans up', () => {
    const at = new Date('2026-12-05T10:00:00.000Z');
    const d = destinationOf(new FakeStore('FeedPat'), info(false, { pending: formatIntent(at, '2027-01-04T10:00:00.000Z', 'r') }));
    const err = busyError(d, new Date(at.getTime() + 4 * 60_000 + 31_000));
    assert.ok(err instanceof PatLifecycleError);
    assert.equal(err.code, 'RotationInProgress');
    assert.equal(err.kind, 'service');
    assert.equal(
      err.message,
      "Another run is creating a PAT for fake store 'FeedPat': it started 5 minute(s) ago (2026-12-05T10:00:00.000Z) and has not stored it yet. This run changed nothing.",
    );
    assert.match(err.hint!, /lockBehavior: sequential/);
    assert.ok(err.hint!.includes(`run again after ${new Date(at.getTime() + INTENT_STALE_MS).toISOString()}`), err.hint);
    assert.match(busyError(d, new Date(at.getTime() - 120_000)).message, /it started 0 minute\(s\) ago/, 'a clock behind the intent is no negative age');
  });

  it('several PATs of the name and no record: each listed newest first with its dates, and how to choose', () => {
    const older = pat({ authorizationId: A.toLowerCase(), validFrom: '2026-11-01T00:00:00Z', validTo: '2026-12-31T00:00:00Z' });
    const newer = pat({ authorizationId: B, validFrom: '2026-11-20T00:00:00Z', validTo: '2027-01-19T00:00:00Z' });
    const err = ambiguousName('feed', [older, newer]);
    assert.equal(err.code, 'AmbiguousDisplayName');
    assert.equal(err.kind, 'input');
    assert.equal(err.input, 'authorizationId');
    assert.equal(
      err.message,
      `2 active PATs are named 'feed' and no destination records which one it holds: 'feed' (${B}) created 2026-11-20, expires 2027-01-19; 'feed' (${A.toLowerCase()}) created 2026-11-01, expires 2026-12-31`,
    );
    assert.match(err.hint!, /takeNewest: true/);
    assert.match(err.hint!, /nothing was changed/);
  });
});
