/**
 * Keeps the sign-in alive: the refresh token Entra rolled is saved where the next run reads it, before any PAT is
 * touched, and the user is told early when the chain is about to break (an old token, or one Entra did not renew).
 */
import type { Config, RefreshTokenStoreConfig } from '../config/types';
import type { Host } from '../host';
import { USER_NAME_KEY, USER_OBJECT_ID_KEY, type SecretStore } from '../stores/secret-store';
import { asPatLifecycleError, PatLifecycleError } from '../errors';
import { daysBetween, REFRESH_TOKEN_LIFETIME_DAYS, refreshTokenAge } from '../clock';
import { sealHandover } from '../config/sign-in-handover';

/** Entra's refresh tokens stop working after 90 days unless renewed. */

export interface RefreshTokenFindings {
  /** Shown in the summary; the step still succeeds. */
  notes: string[];
  /** Shown and logged as warnings; the step ends SucceededWithIssues. */
  issues: string[];
  /**
   * Shown and logged as warnings; the step still succeeds. For what the user chose knowingly (refreshTokenStore none):
   * an orange result on every run would teach people to ignore it, and hide the issues that need action now.
   */
  warnings: string[];
  /** Where the new refresh token was saved, if it was. */
  storedIn?: string;
}

export interface KeepRefreshTokenDeps {
  host: Host;
  now: Date;
  openStore(store: Exclude<RefreshTokenStoreConfig, { kind: 'none' }>): Promise<SecretStore>;
  /** Who this run signed in as (from the ID token); recorded beside the token and checked against the record. */
  account?: SignedInAccount;
}

export interface SignedInAccount {
  username?: string;
  objectId?: string;
  tenantId?: string;
}


/**
 * The sign-in is pinned to the user whose object ID the store records: a refresh token of another user put in the
 * input (a queue-time variable, a setvariable of an earlier step) would otherwise be redeemed and its rolled token saved
 * over the stored one, and every later run would act as that user. Checked before anything is written.
 */
function signedInAsSomeoneElse(config: Config, store: SecretStore, recorded: Record<string, string>, account: SignedInAccount | undefined): PatLifecycleError | undefined {
  const pinned = recorded[USER_OBJECT_ID_KEY];
  if (!pinned || !account?.objectId || pinned.toLowerCase() === account.objectId.toLowerCase()) return undefined;
  const them = `${recorded[USER_NAME_KEY] || 'the account'} (object ID ${pinned}${recorded['tenantId'] ? `, tenant ${recorded['tenantId']}` : ''})`;
  const now = `${account.username || 'another account'} (object ID ${account.objectId}${account.tenantId ? `, tenant ${account.tenantId}` : ''})`;
  return new PatLifecycleError(
    'input',
    'SignInAccountChanged',
    `This run signed in as ${now}, but ${store.describe()} keeps the sign-in of ${them}. A refresh token of another user was given to the step (the refreshToken input, or a variable that fills it); nothing was written, and the stored sign-in was left as it was.`,
    {
      input: 'refreshToken',
      hint: `If the account is meant to change, seed the new one where the step reads it: ${loginCommand(config)} (it records the new account), or delete the record '${USER_OBJECT_ID_KEY}' beside the stored token so the next run records the account it signs in as. Otherwise find out who set the refreshToken input's variable.`,
    },
  );
}

export async function keepRefreshToken(config: Config, rolled: string | undefined, deps: KeepRefreshTokenDeps): Promise<RefreshTokenFindings> {
  const { host, now } = deps;
  const findings: RefreshTokenFindings = { notes: [], issues: [], warnings: [] };
  const target = config.refreshTokenStore;
  if (rolled && config.outputRefreshToken) host.setOutput('refreshToken', rolled, { secret: true });

  if (target.kind === 'none') {
    // Every run, since a pipeline on `none` otherwise stays green until the day its sign-in runs out.
    findings.warnings.push(
      `refreshTokenStore is 'none': the renewed refresh token is not saved${rolled && config.outputRefreshToken ? ' (only the secret output variable refreshToken has it)' : ''}, so the refreshToken input is never renewed and stops working at most ${REFRESH_TOKEN_LIFETIME_DAYS} days after the sign-in that issued it, and this step fails from then on. ` +
        "To keep the sign-in alive, set refreshTokenStore to 'variableGroup' (with refreshTokenVariableGroup and refreshTokenVariableName) or 'keyVault' (with refreshTokenSecretName), naming the very variable or secret the refreshToken input reads.",
    );
    if (!rolled) findings.notes.push(`Entra did not return a new refresh token. ${signInAgain(config)}`);
    return findings;
  }

  let store: SecretStore | undefined;
  let issuedAt: Date | undefined;
  let opened: unknown;
  try {
    store = await deps.openStore(target);
    const before = await store.read({ recent: true });
    const changed = signedInAsSomeoneElse(config, store, before.metadata, deps.account);
    if (changed) throw changed;
    const stamp = before.metadata.issuedAt ? new Date(before.metadata.issuedAt) : undefined;
    issuedAt = stamp && !Number.isNaN(stamp.getTime()) ? stamp : undefined;
  } catch (err) {
    if (err instanceof PatLifecycleError && err.code === 'SignInAccountChanged') throw err;
    opened = err;
  }

  // Later steps of the job read `$(refreshTokenVariableName)`: hand them the renewed token even when saving it fails
  // below, or they would redeem again the token this run already redeemed (the job started with it).
  if (rolled && target.kind === 'variableGroup' && !config.dryRun) host.setJobVariable(target.variableName, rolled, { secret: true });
  // A sign-in connection reaches every later step as it was at job start (already redeemed): they read the renewed
  // token from this sealed variable instead (config/sign-in-handover.ts).
  if (rolled && target.kind === 'serviceConnection' && !config.dryRun) {
    host.setJobVariable(target.handover.variable, sealHandover(target.handover.key, target.handover.connectionId, rolled), { secret: true });
  }

  if (opened !== undefined || store === undefined) {
    findings.issues.push(
      `The refresh token store could not be opened (${asPatLifecycleError(opened).describe()}); the run continues with the token in memory, but the next run reads the old one. Fix the store's permissions, or sign in again: ${loginCommand(config)}`,
    );
    return findings;
  }
  const where = store.describe();
  // The exact age decides (refreshTokenMaxAgeDays); the messages tell it in whole days that add up to 90.
  const age = issuedAt ? daysBetween(issuedAt, now) : undefined;
  const told = issuedAt ? refreshTokenAge(issuedAt, now) : undefined;
  const left = told?.daysLeft;

  if (!rolled) {
    const when = told !== undefined ? `It was saved ${told.ageDays} days ago, so it stops working in about ${left} days.` : 'It stops working at most 90 days after it was issued.';
    findings.issues.push(`Entra did not return a new refresh token, so the one in ${where} was not renewed. ${when} ${signInAgain(config)}`);
    return findings;
  }
  const stale =
    age !== undefined && age > config.refreshTokenMaxAgeDays
      ? `The refresh token in ${where} had not been renewed for ${told!.ageDays} days (more than refreshTokenMaxAgeDays, ${config.refreshTokenMaxAgeDays}); it had about ${left} days left of its 90.`
      : undefined;
  if (stale && config.dryRun) findings.issues.push(`${stale} ${signInAgain(config)}`);
  if (config.dryRun) {
    findings.notes.push(`Dry run: the new refresh token was not saved to ${where}; the saved one stays valid.`);
    return findings;
  }
  try {
    const user: Record<string, string> = deps.account?.objectId ? { [USER_OBJECT_ID_KEY]: deps.account.objectId, [USER_NAME_KEY]: deps.account.username ?? '' } : {};
    const receipt = await store.write(rolled, { issuedAt: now.toISOString(), clientId: config.entra.clientId, tenantId: config.entra.tenantId, ...user });
    await store.verify(receipt, rolled);
    findings.storedIn = where;
    host.info(`Saved the renewed refresh token to ${where}.`);
  } catch (err) {
    if (stale) findings.issues.push(stale);
    findings.issues.push(
      `The renewed refresh token could not be saved to ${where} (${asPatLifecycleError(err).describe()}). This run continues with it; the next run reads the older one${left !== undefined ? `, which stops working in about ${left} days` : ''}. Fix the store's permissions, or sign in again: ${loginCommand(config)}`,
    );
    return findings;
  }
  if (stale) {
    findings.issues.push(
      `${stale} It is renewed now, but check why earlier runs did not renew it (runs failing or not scheduled, or the store not writable); if it runs out, sign in again: ${loginCommand(config)}`,
    );
  }
  return findings;
}

function signInAgain(config: Config): string {
  return `Sign in again before then: ${loginCommand(config)}`;
}

/** The command that seeds a new refresh token into the same store, flags as `pat-lifecycle login --help` lists them. */
export function loginCommand(config: Config): string {
  const store = config.refreshTokenStore;
  // The login command writes the group through --organization, and the group is in the pipeline's organization.
  const organization = store.kind === 'variableGroup' || store.kind === 'serviceConnection' ? config.destinationOrganization : config.organization;
  const parts = ['pat-lifecycle login', `--tenant-id ${config.entra.tenantId}`, `--client-id ${config.entra.clientId}`, `--organization ${organization}`];
  if (store.kind === 'variableGroup') {
    parts.push(`--project "${store.group.project}"`, `--variable-group "${store.group.name ?? store.group.id}"`, `--variable ${store.variableName}`);
  } else if (store.kind === 'keyVault') {
    parts.push(`--key-vault ${store.vault.vaultUrl}`, `--secret ${store.secretName}`);
  } else if (store.kind === 'serviceConnection') {
    parts.push(`--project "${store.connection.project}"`, `--service-connection ${store.connection.nameOrId}`);
  }
  return parts.join(' ');
}
