/**
 * action check: every prerequisite of the step, read and never written, each reported as ok, missing (with its fix)
 * or not checked. It goes on past a missing prerequisite wherever the next one can still be read, so a first run
 * shows everything that needs fixing at once.
 *
 * Nothing is written: no PAT is created, updated or revoked (but for the opt-in checkPatCreation probe, which revokes
 * the PAT it made at once), no variable group, Key Vault secret or service connection is changed, and the refresh
 * token Entra issues on the sign-in is not saved (the saved one stays valid: see sign-in.ts).
 */
import type { Config } from '../config/types';
import { PatDirectory } from '../operations/pat-directory';
import { checkPatCreation, PAT_CREATION } from './pat-creation';
import { checkPatApi, checkSelectedPats, PAT_API } from './pats';
import { checkSignIn } from './sign-in';
import { StoreCache } from './store-cache';
import { checkDestinations, checkRefreshTokenStore } from './stores';
import { notChecked, ok, type CheckDeps, type CheckLine } from './types';

export async function checkSetup(deps: CheckDeps): Promise<CheckLine[]> {
  const { config } = deps;
  // parseConfig refused every bad input before this: a Config exists only when all of them are good.
  const lines: CheckLine[] = [ok('Inputs', inputsSummary(config))];
  const signIn = await checkSignIn(deps);
  lines.push(signIn.line);
  const session = signIn.session;
  const token = session?.accessToken ?? '';
  const stores = new StoreCache(deps, token);

  let names: string[] = config.selector.displayNames;
  if (session) {
    const user = session.account?.username ?? 'the signed-in user';
    const pats = deps.patApi(session.accessToken);
    const directory = new PatDirectory(pats);
    const api = await checkPatApi(deps, directory, user);
    lines.push(api.line);
    if (api.active) {
      const selected = await checkSelectedPats(deps, pats, api.active, directory, stores);
      lines.push(...selected.lines);
      names = selected.names;
      lines.push(await checkPatCreation(deps, pats, user));
    } else {
      lines.push(notChecked('PATs of the step', `the ${PAT_API} refused the user (above).`), notChecked(PAT_CREATION, `the ${PAT_API} refused the user (above).`));
    }
  } else {
    lines.push(...[PAT_API, 'PATs of the step', PAT_CREATION].map((p) => notChecked(p, 'needs the sign-in, which failed (above).')));
  }
  lines.push(...(await checkDestinations(deps, stores, names, token)));
  lines.push(...(await checkRefreshTokenStore(deps, stores, token)));
  return moveLast(lines, PAT_CREATION);
}

/** The policy probe runs while the PAT API client is at hand, but reads best last: it is the one line that may write. */
function moveLast(lines: CheckLine[], prerequisite: string): CheckLine[] {
  return [...lines.filter((l) => l.prerequisite !== prerequisite), ...lines.filter((l) => l.prerequisite === prerequisite)];
}

function inputsSummary(config: Config): string {
  const selector = config.selector.authorizationId
    ? `authorizationId ${config.selector.authorizationId}`
    : config.selector.displayNamePattern
      ? `patNamePattern '${config.selector.displayNamePattern}'`
      : config.selector.displayNames.length > 0
        ? `patName ${config.selector.displayNames.map((n) => `'${n}'`).join(', ')}`
        : 'no PAT named (patName, patNamePattern or authorizationId)';
  const target = config.destinations.length > 0 ? config.destinations.map((d) => d.kind).join(', ') : 'outputOnly';
  return `valid: organization '${config.organization}', ${selector}, target ${target}, refreshTokenStore ${config.refreshTokenStore.kind}.`;
}
