/**
 * Every place the step writes: the PAT's destinations and the refresh token store. Each is found and read as a rotate
 * reads it (a group linked to Key Vault, a connection that holds no PAT: refused by the store's own prepare()), then
 * the role a write needs is read, never tried: the variable-group and service-connection lists answer
 * `actionFilter=manage` with only what the identity administers. Key Vault has no such read, so whether the
 * connection's identity may set secrets stays `not checked`.
 */
import type { RefreshTokenStoreConfig, StoreTarget } from '../config/types';
import { destinationFor, destinationName, hasNamePlaceholder } from '../config/name-template';
import { daysBetween, refreshTokenAge } from '../clock';
import type { StoreDestination } from '../stores/open-store';
import type { ServiceConnectionStore } from '../stores/service-connection-store';
import type { VariableGroupStore } from '../stores/variable-group-store';
import { missing, missingFrom, notChecked, ok, type CheckDeps, type CheckLine } from './types';
import type { StoreCache } from './store-cache';

type Purpose = 'pat' | 'refreshToken';
const ROLE = (purpose: Purpose) => (purpose === 'pat' ? 'PAT destination' : 'refresh token store');

/** The PAT's destinations, `{name}` expanded over the names the step works on (a group is checked once). */
export async function checkDestinations(deps: CheckDeps, stores: StoreCache, names: readonly string[], userAccessToken: string): Promise<CheckLine[]> {
  const { destinations } = deps.config;
  if (destinations.length === 0) return [ok('PAT destination', "target is 'outputOnly': the new PAT goes only to the secret output variable token; no store to read.")];
  const lines: CheckLine[] = [];
  const seen = new Set<string>();
  for (const target of destinations) {
    for (const dest of expand(target, names)) {
      if (!dest) {
        lines.push(notChecked(`${kindWords(target)} (PAT destination)`, `'${destinationName(target)}' holds {name}, and the step names no PAT to put in it.`, 'Give patName or patNamePattern to check the place of each PAT.'));
        continue;
      }
      const key = containerKey(dest);
      if (seen.has(key)) continue;
      seen.add(key);
      lines.push(...(await checkStore(deps, stores, dest, 'pat', userAccessToken)));
    }
  }
  return lines;
}

export async function checkRefreshTokenStore(deps: CheckDeps, stores: StoreCache, userAccessToken: string): Promise<CheckLine[]> {
  const store = deps.config.refreshTokenStore;
  if (store.kind === 'none') {
    return [
      notChecked(
        'Refresh token store',
        "refreshTokenStore is 'none': no run saves the renewed refresh token, so the sign-in stops working at most 90 days after it was made.",
        "Set refreshTokenStore to variableGroup (refreshTokenVariableGroup, refreshTokenVariableName) or keyVault (refreshTokenSecretName), naming the variable or secret the refreshToken input reads.",
      ),
    ];
  }
  return checkStore(deps, stores, store, 'refreshToken', userAccessToken);
}

async function checkStore(deps: CheckDeps, stores: StoreCache, dest: StoreDestination, purpose: Purpose, userAccessToken: string): Promise<CheckLine[]> {
  // The job's token and the Key Vault connection need no sign-in: their stores are read even when it failed.
  const needsUser = dest.kind === 'serviceConnection' || (dest.kind === 'variableGroup' && dest.auth === 'user');
  if (needsUser && !userAccessToken) return [notChecked(`${storeWords(dest)} (${ROLE(purpose)})`, "is read with the signed-in user's token: needs the sign-in, which failed (above).")];
  switch (dest.kind) {
    case 'variableGroup':
      return checkGroup(deps, stores, dest, purpose, userAccessToken);
    case 'keyVault':
      return checkVaultSecret(deps, stores, dest, purpose);
    case 'serviceConnection':
      return checkConnection(deps, stores, dest, purpose, userAccessToken);
  }
}

async function checkGroup(deps: CheckDeps, stores: StoreCache, dest: Extract<StoreDestination, { kind: 'variableGroup' }>, purpose: Purpose, userAccessToken: string): Promise<CheckLine[]> {
  const label = `Variable group '${dest.group.name ?? dest.group.id}' (${ROLE(purpose)})`;
  const roleLabel = `Administrator role on variable group '${dest.group.name ?? dest.group.id}'`;
  const who = dest.auth === 'job' ? `the job's identity ('${dest.group.project} Build Service (${deps.config.destinationOrganization})')` : 'the signed-in user';
  let found: { id: number; name: string };
  let detail: string;
  try {
    const store = (await stores.open(dest, purpose)) as VariableGroupStore;
    await store.prepare();
    found = await store.found();
    const info = await store.read({ recent: true });
    const variable = hasNamePlaceholder(dest.variableName)
      ? `each PAT's variable ('${dest.variableName}') is read on its PAT's line`
      : `variable '${dest.variableName}' ${info.exists ? 'exists' : 'does not exist yet (the first run adds it)'}`;
    detail = `found in project '${dest.group.project}' (id ${found.id}), not linked to Key Vault; ${variable}.`;
    if (purpose === 'refreshToken') detail += ` ${tokenAge(deps, info.metadata.issuedAt)}`;
  } catch (err) {
    return [missingFrom(label, err, deps.explain), notChecked(roleLabel, 'the group was not found or cannot be used.')];
  }
  const grantee = dest.auth === 'job' ? `'${dest.group.project} Build Service (${deps.config.destinationOrganization})'` : 'the signed-in user (or a group of theirs)';
  const role = await roleLine(deps, roleLabel, async () => (await deps.groupClient(dest, userAccessToken).findManageable(dest.group.project, found.name)).some((g) => g.id === found.id), {
    ok: `${who} has it: the run can write the group.`,
    missing: `${who} can read the group but is not an Administrator of it, so the run cannot write it.`,
    fix: `Pipelines > Library > '${found.name}' > Security: give ${grantee} the Administrator role${dest.auth === 'job' ? ', or set variableGroupAuth: user' : ''}.`,
  });
  return [ok(label, detail), role];
}

async function checkVaultSecret(deps: CheckDeps, stores: StoreCache, dest: Extract<StoreDestination, { kind: 'keyVault' }>, purpose: Purpose): Promise<CheckLine[]> {
  const label = `Key Vault secret '${dest.secretName}' (${ROLE(purpose)})`;
  const lines: CheckLine[] = [];
  try {
    const store = await stores.open(dest, purpose);
    const info = await store.read();
    let detail = `${dest.vault.vaultUrl}: readable with the service connection's identity; ${info.exists ? 'it holds a value' : 'it does not exist yet (the first run creates it)'}.`;
    if (purpose === 'refreshToken') detail += ` ${tokenAge(deps, info.metadata.issuedAt)}`;
    lines.push(ok(label, detail));
  } catch (err) {
    lines.push(missingFrom(label, err, deps.explain));
  }
  lines.push(
    notChecked(
      `Permission to set Key Vault secret '${dest.secretName}'`,
      'reading cannot prove that the identity may write the secret.',
      "The first run needs the service connection's identity (azureSubscription) to get and set secrets in the vault: the role Key Vault Secrets Officer (Access control (IAM), RBAC vaults), or Get and Set secret permissions (Access policies).",
    ),
  );
  return lines;
}

async function checkConnection(deps: CheckDeps, stores: StoreCache, dest: Extract<StoreDestination, { kind: 'serviceConnection' }>, purpose: Purpose, userAccessToken: string): Promise<CheckLine[]> {
  const label = `Service connection '${dest.connection.nameOrId}' (${ROLE(purpose)})`;
  const roleLabel = `Administrator role on service connection '${dest.connection.nameOrId}'`;
  const signIn = purpose === 'refreshToken';
  let found: { id: string; name: string; projects: string[] };
  let detail: string;
  try {
    const store = (await stores.open(dest, purpose)) as ServiceConnectionStore;
    await store.prepare();
    found = await store.found();
    detail = signIn
      ? `'${found.name}' found in project '${dest.connection.project}' (id ${found.id}), a PAT Lifecycle sign-in. ${tokenAge(deps, (await store.read({ recent: true })).metadata.issuedAt)}`
      : `found in project '${dest.connection.project}' (id ${found.id}); its type and scheme hold a PAT the task can write.`;
  } catch (err) {
    return [missingFrom(label, err, deps.explain), notChecked(roleLabel, `the connection was not found or cannot hold ${signIn ? 'the sign-in' : 'a PAT'}.`)];
  }
  const what = signIn ? 'write the renewed refresh token back into the connection' : 'update the connection';
  // A connection shared by several projects is written whole: the role is needed in every project that references it.
  let lacking: string[];
  try {
    const client = deps.endpointClient(userAccessToken);
    lacking = [];
    for (const project of found.projects) if (!(await client.canManage(project, found.id))) lacking.push(project);
  } catch (err) {
    return [ok(label, detail), missingFrom(roleLabel, err, deps.explain)];
  }
  const shared = found.projects.length > 1 ? ` in every project that shares it (${found.projects.join(', ')})` : '';
  const role =
    lacking.length === 0
      ? ok(roleLabel, `the signed-in user has it${shared}: the run can ${what}.`)
      : missing(
          roleLabel,
          `the signed-in user is not an Administrator of the connection in project${lacking.length > 1 ? 's' : ''} ${lacking.map((p) => `'${p}'`).join(', ')}, so the run cannot ${what}.`,
          lacking.map((p) => `Project settings > Service connections > '${found.name}' > Security in project '${p}'`).join('; ') + ': give the signed-in user (or a group of theirs) the Administrator role.',
        );
  return [ok(label, detail), role];
}

/** The Administrator-role line of a group or connection: read without a write, a failed read is missing with its cause. */
async function roleLine(deps: CheckDeps, label: string, hasRole: () => Promise<boolean>, text: { ok: string; missing: string; fix: string }): Promise<CheckLine> {
  try {
    return (await hasRole()) ? ok(label, text.ok) : missing(label, text.missing, text.fix);
  } catch (err) {
    return missingFrom(label, err, deps.explain);
  }
}

/** How old the saved refresh token is, from the `issuedAt` its store records beside it. */
function tokenAge(deps: CheckDeps, issuedAt: string | undefined): string {
  const at = issuedAt ? new Date(issuedAt) : undefined;
  if (!at || Number.isNaN(at.getTime())) return 'It records no date, so the age of the saved refresh token is unknown (the login command and every run record one).';
  const { ageDays: age, daysLeft: left } = refreshTokenAge(at, deps.now());
  const old = daysBetween(at, deps.now()) > deps.config.refreshTokenMaxAgeDays ? ` That is more than refreshTokenMaxAgeDays (${deps.config.refreshTokenMaxAgeDays}): the scheduled runs have not been renewing it.` : '';
  return `The saved refresh token is ${age} day(s) old (about ${left} days left if no run renews it).${old}`;
}

/** One destination per name for `{name}` templates (undefined when no name is known); the target itself otherwise. */
function expand(target: StoreTarget, names: readonly string[]): Array<StoreTarget | undefined> {
  if (!hasNamePlaceholder(destinationName(target))) return [target];
  if (target.kind === 'variableGroup') return [target]; // the group is the same for every name; PAT lines read the variables
  return names.length > 0 ? names.map((n) => destinationFor(target, n)) : [undefined];
}

/** What is checked once: a group (whatever the variable), a vault secret, a connection. */
function containerKey(dest: StoreTarget | Exclude<RefreshTokenStoreConfig, { kind: 'none' }>): string {
  switch (dest.kind) {
    case 'variableGroup':
      return `group|${dest.group.project.toLowerCase()}|${dest.group.id ?? dest.group.name?.toLowerCase()}`;
    case 'keyVault':
      return `vault|${dest.vault.vaultUrl}|${dest.secretName.toLowerCase()}`;
    case 'serviceConnection':
      return `connection|${dest.connection.project.toLowerCase()}|${dest.connection.nameOrId.toLowerCase()}`;
  }
}

function kindWords(target: StoreTarget): string {
  return target.kind === 'variableGroup' ? 'Variable group' : target.kind === 'keyVault' ? 'Key Vault secret' : 'Service connection';
}

function storeWords(dest: StoreDestination): string {
  if (dest.kind === 'variableGroup') return `Variable group '${dest.group.name ?? dest.group.id}'`;
  if (dest.kind === 'keyVault') return `Key Vault secret '${dest.secretName}'`;
  return `Service connection '${dest.connection.nameOrId}'`;
}
