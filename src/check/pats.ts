/**
 * The PAT Lifecycle API and the PATs the step names: does the API accept the user for the organization (a list), and
 * would a rotate find one PAT per name, or stop? The selection follows the rotation rules (docs/design.md): the PAT a
 * destination records first, else the one active PAT of the name (several: only with takeNewest), else the newest
 * expired one.
 */
import { patternToRegExp } from '../config/selector';
import { destinationFor } from '../config/name-template';
import type { PatToken } from '../devops/types';
import { day } from '../operations/pat-facts';
import type { PatDirectory } from '../operations/pat-directory';
import type { PatApi } from '../operations/types';
import { destinationOf, sameId } from '../operations/ownership';
import { missing, missingFrom, notChecked, ok, type CheckDeps, type CheckLine } from './types';
import type { StoreCache } from './store-cache';

export const PAT_API = 'PAT Lifecycle API';

export async function checkPatApi(deps: CheckDeps, directory: PatDirectory, user: string): Promise<{ line: CheckLine; active?: PatToken[] }> {
  try {
    const active = await directory.active();
    return { line: ok(PAT_API, `accepts ${user} for organization '${deps.config.organization}' (${active.length} active PAT${active.length === 1 ? '' : 's'}).`), active };
  } catch (err) {
    return { line: missingFrom(PAT_API, err, deps.explain) };
  }
}

export interface SelectedPats {
  lines: CheckLine[];
  /** The display names the step works on (given, or matched by the pattern), for expanding `{name}` destinations. */
  names: string[];
}

export async function checkSelectedPats(deps: CheckDeps, pats: PatApi, active: readonly PatToken[], directory: PatDirectory, stores: StoreCache): Promise<SelectedPats> {
  const { selector } = deps.config;
  if (selector.authorizationId) return { lines: [await checkById(deps, pats, active, selector.authorizationId)], names: [] };
  let names = selector.displayNames;
  const lines: CheckLine[] = [];
  if (selector.displayNamePattern) {
    const pattern = patternToRegExp(selector.displayNamePattern);
    names = [...new Set(active.map((t) => t.displayName).filter((n) => pattern.test(n)))].sort();
    const what = `patNamePattern '${selector.displayNamePattern}'`;
    if (names.length === 0) {
      return {
        lines: [missing(what, 'matches no active PAT: a rotate would stop.', '`*` matches any characters and `?` one; names match case-sensitively. Run action list to see the names, or fix patNamePattern.')],
        names,
      };
    }
    lines.push(ok(what, `matches ${names.length} PAT name(s): ${names.join(', ')}.`));
  }
  if (names.length === 0 && !selector.displayNamePattern) {
    lines.push(notChecked('PATs of the step', 'the step names no PAT (patName, patNamePattern or authorizationId).', 'Give the patName of the PAT the step rotates to check that it exists and is not ambiguous.'));
  }
  for (const name of names) lines.push(await checkName(deps, directory, active, stores, name));
  return { lines, names };
}

async function checkById(deps: CheckDeps, pats: PatApi, active: readonly PatToken[], id: string): Promise<CheckLine> {
  const what = `PAT ${id} (authorizationId)`;
  try {
    const pat = active.find((t) => sameId(t.authorizationId, id)) ?? (await pats.get(id));
    if (!pat) return missing(what, `no PAT with this authorization id belongs to the signed-in user in organization '${deps.config.organization}'.`, "Check 'authorizationId' (action list shows the ids); it may have been revoked, or belong to another user.");
    const state = active.includes(pat) ? 'active' : 'not active';
    return ok(what, `found: '${pat.displayName}', ${state}, valid until ${day(pat.validTo)}.`);
  } catch (err) {
    return missingFrom(what, err, deps.explain);
  }
}

async function checkName(deps: CheckDeps, directory: PatDirectory, active: readonly PatToken[], stores: StoreCache, name: string): Promise<CheckLine> {
  const what = `PAT '${name}'`;
  const mine = active.filter((t) => t.displayName === name);
  const records = await recordsOf(deps, stores, name, mine);
  const recorded = mine.filter((t) => records.held.some((h) => sameId(h, t.authorizationId)));
  const where = records.notes.length > 0 ? ` ${records.notes.join('; ')}.` : '';
  if (mine.length === 0) {
    const expired = (await directory.expired().catch(() => [] as PatToken[])).filter((t) => t.displayName === name).sort((a, b) => Date.parse(b.validTo) - Date.parse(a.validTo));
    if (expired.length > 0) return ok(what, `no active PAT, but an expired one (${expired[0].authorizationId}, until ${day(expired[0].validTo)}) that rotate replaces with a new PAT of its name and scopes.${where}`);
    return missing(
      what,
      `the signed-in user has no PAT of this name in organization '${deps.config.organization}', active or expired: a rotate would stop.${where}`,
      "Create it first (action create with patName and scopes, or by hand under User settings > Personal access tokens, for this organization), or correct 'patName': names match exactly, and a PAT is listed only in the organizations it targets.",
    );
  }
  if (mine.length === 1) return ok(what, `1 active PAT (${mine[0].authorizationId}, valid until ${day(mine[0].validTo)}).${where}`);
  const ids = mine.map((t) => t.authorizationId).join(', ');
  if (recorded.length > 0) return ok(what, `${mine.length} active PATs have this name (${ids}); rotate takes ${recorded[0].authorizationId}, which a destination records.${where}`);
  if (deps.config.selector.takeNewest) return ok(what, `${mine.length} active PATs have this name (${ids}); takeNewest: true takes the newest.${where}`);
  return missing(
    what,
    `${mine.length} active PATs have this name (${ids}) and no destination records one of them: a rotate would stop rather than guess.${where}`,
    "Set takeNewest: true to take the newest, give 'authorizationId' instead of patName, or revoke the ones not in use (User settings > Personal access tokens).",
  );
}

/** What each destination of the step records for this name: read through the stores, as a rotate reads them. */
async function recordsOf(deps: CheckDeps, stores: StoreCache, name: string, mine: readonly PatToken[]): Promise<{ held: string[]; notes: string[] }> {
  const held: string[] = [];
  const notes: string[] = [];
  for (const target of deps.config.destinations) {
    const store = await stores.open(destinationFor(target, name), 'pat').catch(() => undefined);
    // The destination's own line says why it cannot be read.
    if (!store) continue;
    try {
      const d = destinationOf(store, await store.read({ recent: true }));
      if (d.held) {
        held.push(d.held);
        const known = mine.some((t) => sameId(t.authorizationId, d.held));
        notes.push(`${store.label()} records ${d.held}${known ? '' : ' (not an active PAT of this name: rotate replaces it by the newest one of the name)'}`);
      } else if (d.info.exists) {
        notes.push(`${store.label()} holds a value with no record: rotate adopts the one active PAT of the name`);
      } else {
        notes.push(`${store.label()} is empty: rotate fills it with a new PAT and leaves the old one as it is`);
      }
    } catch {
      // Reported on the destination's line.
    }
  }
  return { held, notes };
}
