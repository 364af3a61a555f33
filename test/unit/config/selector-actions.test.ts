import { strict as assert } from 'node:assert';
import { Problems } from '../../../src/config/problems';
import { rawInputsFrom } from '../../../src/config/raw-inputs';
import { parseSelector } from '../../../src/config/selector';
import type { Action } from '../../../src/config/types';
import { InputErrors } from '../../../src/errors';

/** parseSelector on a fresh Problems: what it returned and the problems, as `input: message | hint`. */
function select(action: Action, inputs: Record<string, string | undefined>) {
  const p = new Problems();
  const value = parseSelector(p, rawInputsFrom({ inputs }), action);
  try {
    p.throwIfAny();
    return { value, problems: [] as string[] };
  } catch (err) {
    return { value, problems: (err as InputErrors).errors.map((e) => `${e.input}: ${e.message.replace(`Input '${e.input}': `, '')} | ${e.hint}`) };
  }
}

const ID = '3d3aca0c-9ad3-4b07-8334-08ec8b1ddc32';
const PICK_ONE = 'give patName (the exact name) or authorizationId';
const none = { displayNames: [], takeNewest: false };

describe('PAT selection per action (parseSelector)', () => {
  describe('the inputs', () => {
    it('reads patName (or its old name displayName) one per line, and the pattern from patNamePattern (or displayNamePattern)', () => {
      assert.deepEqual(select('rotate', { patName: ' a \n\r\nb\r\na' }), { value: { selector: { ...none, displayNames: ['a', 'b'] } }, problems: [] });
      assert.deepEqual(select('rotate', { displayName: 'old' }).value.selector.displayNames, ['old']);
      assert.deepEqual(select('rotate', { patName: 'new', displayName: 'old' }).value.selector.displayNames, ['new'], 'patName wins');
      assert.deepEqual(select('rotate', { patNamePattern: ' feed-* ' }), { value: { selector: { ...none, displayNamePattern: 'feed-*' } }, problems: [] });
      assert.equal(select('rotate', { displayNamePattern: 'old-*' }).value.selector.displayNamePattern, 'old-*');
      assert.equal(select('rotate', { patNamePattern: 'new-*', displayNamePattern: 'old-*' }).value.selector.displayNamePattern, 'new-*');
    });

    it('lower-cases the authorizationId and reads takeNewest', () => {
      assert.deepEqual(select('rotate', { authorizationId: ` ${ID.toUpperCase()} `, takeNewest: ' True ' }), { value: { selector: { displayNames: [], takeNewest: true, authorizationId: ID } }, problems: [] });
      assert.deepEqual(select('rotate', { patName: 'a', takeNewest: 'sometimes' }).problems, ["takeNewest: 'sometimes' is not true or false | set takeNewest to true or false"]);
    });

    it('refuses an authorizationId that is not a GUID, saying where to find it', () => {
      assert.match(select('rotate', { authorizationId: 'pat-1' }).problems[0], /^authorizationId: 'pat-1' is not a GUID \| give the authorization ID of the PAT \(the list action shows it\), a GUID like/);
    });

    it('refuses each name line that is an unexpanded macro or not a valid name, keeping the others', () => {
      const r = select('rotate', { patName: 'a\n$(Pat.Name)\nb\tc\nd' });
      assert.deepEqual(r.value.selector.displayNames, ['a', 'd']);
      assert.equal(r.problems.length, 2);
      assert.match(r.problems[0], /^patName: the value is the macro \$\(Pat\.Name\)/);
      assert.match(r.problems[1], /^patName: the name 'b\?c' contains control characters/);
    });

    it('refuses a pattern that is a macro or not a valid name, naming patNamePattern', () => {
      assert.match(select('list', { patNamePattern: '$(P)' }).problems[0], /^patNamePattern: the value is the macro \$\(P\)/);
      assert.deepEqual(select('list', { patNamePattern: 'a\u0001*' }), {
        value: { selector: none },
        problems: ["patNamePattern: the name 'a?*' contains control characters | use printable characters only"],
      });
      assert.match(select('list', { patNamePattern: 'x'.repeat(257) }).problems[0], /^patNamePattern: the name 'x{40}…' is 257 characters long/);
    });
  });

  describe('create', () => {
    it('takes names', () => {
      assert.deepEqual(select('create', { patName: 'a\nb' }), { value: { selector: { ...none, displayNames: ['a', 'b'] } }, problems: [] });
    });

    it('refuses an authorizationId (even a bad one, or with names) and a pattern', () => {
      assert.deepEqual(select('create', { patName: 'a', authorizationId: ID }).problems, ["authorizationId: selects an existing PAT, but create makes a new one | remove authorizationId; give the new PAT's name in patName"]);
      const bad = select('create', { patName: 'a', authorizationId: 'x' }).problems;
      assert.equal(bad.length, 2);
      assert.match(bad[0], /^authorizationId: 'x' is not a GUID/);
      assert.match(bad[1], /^authorizationId: selects an existing PAT, but create makes a new one/);
      assert.deepEqual(select('create', { patName: 'a', patNamePattern: 'b*' }).problems, ['patNamePattern: cannot name new PATs | list the names of the PATs to create in patName, one per line']);
    });

    it('needs a name, unless the name given was refused already', () => {
      assert.deepEqual(select('create', {}).problems, ["patName: is required to create a PAT | give the new PAT's name (one per line for several)"]);
      assert.deepEqual(select('create', { patName: ' \n ', authorizationId: '  ' }).problems, ["patName: is required to create a PAT | give the new PAT's name (one per line for several)"], 'blank is not given');
      assert.equal(select('create', { patName: '$(N)' }).problems.length, 1);
    });
  });

  describe('rotate and check', () => {
    it('take an authorizationId alone, names alone or a pattern alone', () => {
      for (const action of ['rotate', 'check'] as const) {
        assert.deepEqual(select(action, { authorizationId: ID }), { value: { selector: { ...none, authorizationId: ID } }, problems: [] });
        assert.deepEqual(select(action, { patName: 'a' }).problems, []);
        assert.deepEqual(select(action, { patNamePattern: 'a*' }).problems, []);
      }
    });

    it('refuse an authorizationId with names or with a pattern, and names with a pattern', () => {
      for (const action of ['rotate', 'check'] as const) {
        const together = `authorizationId: is given together with patName or patNamePattern | ${PICK_ONE}`;
        assert.deepEqual(select(action, { authorizationId: ID, patName: 'a' }).problems, [together], action);
        assert.deepEqual(select(action, { authorizationId: ID, patNamePattern: 'a*' }).problems, [together], action);
        assert.deepEqual(select(action, { patName: 'a', patNamePattern: 'a*' }).problems, ['patNamePattern: is given together with patName | give either the exact names or a pattern'], action);
      }
    });

    it('rotate needs one of them; check needs none', () => {
      assert.deepEqual(select('rotate', {}).problems, [`patName: is required to rotate a PAT | ${PICK_ONE}, or patNamePattern`]);
      assert.equal(select('rotate', { patName: '$(N)' }).problems.length, 1, 'not twice');
      assert.deepEqual(select('check', {}), { value: { selector: none }, problems: [] });
    });
  });

  describe('update', () => {
    it('with an authorizationId and one name, renames that PAT: the name is the new name, not a selector', () => {
      assert.deepEqual(select('update', { authorizationId: ID, patName: 'new-name' }), {
        value: { selector: { ...none, authorizationId: ID }, newDisplayName: 'new-name' },
        problems: [],
      });
    });

    it('takes names alone, or an authorizationId alone (no rename)', () => {
      assert.deepEqual(select('update', { patName: 'a\nb' }), { value: { selector: { ...none, displayNames: ['a', 'b'] } }, problems: [] });
      assert.deepEqual(select('update', { authorizationId: ID }), { value: { selector: { ...none, authorizationId: ID } }, problems: [] });
    });

    it('refuses a pattern, several names with an authorizationId, and nothing at all', () => {
      assert.deepEqual(select('update', { patName: 'a', patNamePattern: 'a*' }).problems, ['patNamePattern: is not supported for update | give the exact names in patName']);
      assert.deepEqual(select('update', { authorizationId: ID, patName: 'a\nb' }), {
        value: { selector: { ...none, displayNames: ['a', 'b'], authorizationId: ID } },
        problems: ['patName: holds several names, but with authorizationId it is the one new name of that PAT | give one name to rename the PAT, or drop authorizationId'],
      });
      assert.deepEqual(select('update', {}).problems, [`patName: is required to update a PAT | ${PICK_ONE}`]);
      assert.equal(select('update', { patName: '$(N)' }).problems.length, 1, 'not twice');
    });
  });

  describe('revoke', () => {
    it('takes names alone or an authorizationId alone', () => {
      assert.deepEqual(select('revoke', { patName: 'a' }), { value: { selector: { ...none, displayNames: ['a'] } }, problems: [] });
      assert.deepEqual(select('revoke', { authorizationId: ID }).problems, []);
    });

    it('refuses a pattern (it cannot be undone), both together, and nothing at all', () => {
      assert.deepEqual(select('revoke', { patName: 'a', patNamePattern: 'a*' }).problems, [
        'patNamePattern: is not supported for revoke: a pattern that matches more than meant cannot be undone | list the exact names in patName, one per line',
      ]);
      assert.deepEqual(select('revoke', { authorizationId: ID, patName: 'a' }).problems, [`authorizationId: is given together with patName | ${PICK_ONE}`]);
      assert.deepEqual(select('revoke', {}).problems, [`patName: is required to revoke a PAT | ${PICK_ONE}`]);
      assert.equal(select('revoke', { patName: '$(N)' }).problems.length, 1, 'not twice');
    });
  });

  it('list takes any selection, together or none', () => {
    assert.deepEqual(select('list', {}), { value: { selector: none }, problems: [] });
    assert.deepEqual(select('list', { authorizationId: ID, patName: 'a', patNamePattern: 'b*' }), {
      value: { selector: { displayNames: ['a'], takeNewest: false, authorizationId: ID, displayNamePattern: 'b*' } },
      problems: [],
    });
  });
});
