/** Which PATs a run touches: one authorization ID, one or more exact display names, or a wildcard pattern. */
import type { Action, PatSelector } from './types';
import type { RawInputs } from './raw-inputs';
import type { Problems } from './problems';
import { boolean, displayName, expanded, guid, text } from './fields';

export interface ParsedSelector {
  selector: PatSelector;
  /** update only: authorizationId and one patName together rename the PAT. */
  newDisplayName?: string;
}

export function parseSelector(p: Problems, raw: RawInputs, action: Action): ParsedSelector {
  const names = parseDisplayNames(p, raw.input('patName') ?? raw.input('displayName'));
  const pattern = parsePattern(p, expanded(p, 'patNamePattern', text(raw.input('patNamePattern') ?? raw.input('displayNamePattern'))));
  const authorizationId = guid(p, 'authorizationId', expanded(p, 'authorizationId', text(raw.input('authorizationId'))), 'authorization ID of the PAT (the list action shows it)');
  const takeNewest = boolean(p, 'takeNewest', text(raw.input('takeNewest')), false);
  const selector: PatSelector = { displayNames: names, takeNewest, ...(authorizationId ? { authorizationId } : {}), ...(pattern ? { displayNamePattern: pattern } : {}) };
  const given = raw.input('authorizationId')?.trim();
  const pickOne = 'give patName (the exact name) or authorizationId';

  switch (action) {
    case 'create':
      if (given) p.add('authorizationId', 'selects an existing PAT, but create makes a new one', 'remove authorizationId; give the new PAT\'s name in patName');
      if (pattern) p.add('patNamePattern', 'cannot name new PATs', 'list the names of the PATs to create in patName, one per line');
      if (names.length === 0 && !p.has('patName')) p.add('patName', 'is required to create a PAT', 'give the new PAT\'s name (one per line for several)');
      return { selector };
    case 'rotate':
      if (given && (names.length > 0 || pattern)) p.add('authorizationId', 'is given together with patName or patNamePattern', pickOne);
      if (names.length > 0 && pattern) p.add('patNamePattern', 'is given together with patName', 'give either the exact names or a pattern');
      if (!given && names.length === 0 && !pattern && !p.has('patName')) p.add('patName', 'is required to rotate a PAT', `${pickOne}, or patNamePattern`);
      return { selector };
    case 'update':
      if (pattern) p.add('patNamePattern', 'is not supported for update', 'give the exact names in patName');
      if (given && names.length > 1) p.add('patName', 'holds several names, but with authorizationId it is the one new name of that PAT', 'give one name to rename the PAT, or drop authorizationId');
      if (!given && names.length === 0 && !p.has('patName')) p.add('patName', 'is required to update a PAT', pickOne);
      if (given && names.length === 1) return { selector: { ...selector, displayNames: [] }, newDisplayName: names[0] };
      return { selector };
    case 'revoke':
      if (pattern) p.add('patNamePattern', 'is not supported for revoke: a pattern that matches more than meant cannot be undone', 'list the exact names in patName, one per line');
      if (given && names.length > 0) p.add('authorizationId', 'is given together with patName', pickOne);
      if (!given && names.length === 0 && !p.has('patName')) p.add('patName', 'is required to revoke a PAT', pickOne);
      return { selector };
    case 'list':
      return { selector };
    case 'check':
      // Optional: without a name, check proves everything but the PATs themselves. Together they would stop a rotate.
      if (given && (names.length > 0 || pattern)) p.add('authorizationId', 'is given together with patName or patNamePattern', pickOne);
      if (names.length > 0 && pattern) p.add('patNamePattern', 'is given together with patName', 'give either the exact names or a pattern');
      return { selector };
  }
}

/** One name per line; blank lines are dropped, duplicates kept once. */
function parseDisplayNames(p: Problems, value: string | undefined): string[] {
  const out: string[] = [];
  for (const line of (value ?? '').split(/\r?\n/)) {
    const name = expanded(p, 'patName', line.trim() || undefined);
    if (name === undefined) continue;
    const valid = displayName(p, 'patName', name);
    if (valid !== undefined && !out.includes(valid)) out.push(valid);
  }
  return out;
}

function parsePattern(p: Problems, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return displayName(p, 'patNamePattern', value);
}

/** `*` any run of characters, `?` one character; everything else literal, whole name, case-sensitive like the names. */
export function patternToRegExp(pattern: string): RegExp {
  const source = [...pattern].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${source}$`, 's');
}
