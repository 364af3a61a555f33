/**
 * Raw inputs -> Config. Every bad input is found here, before the refresh token is spent or any request is sent,
 * and all of them are reported at once (InputErrors), each naming the input and the fix.
 */
import type { Action, Config } from './types';
import type { RawInputs } from './raw-inputs';
import { Problems } from './problems';
import { boolean, choice, expanded, integer, text } from './fields';
import { destinationOrganization, parseOrganization, parseServiceUrls } from './organization';
import { parseEntraClient } from './entra-client';
import { parseSignInConnection, usesSignInConnection, type SignInFromConnection } from './sign-in-connection';
import type { ServiceUrls } from './types';
import { parseNetwork } from './network';
import { parseSelector } from './selector';
import { checkNoCollision, DestinationInputs, parsePatDestinations, parseRefreshTokenStore } from './destinations';
import { FULL_ACCESS_SCOPE, hasFullAccess, normalizeScopes } from './scopes';
import { now as clockNow } from '../clock';

export const ACTIONS: readonly Action[] = ['create', 'rotate', 'update', 'revoke', 'list', 'check'];
export const MAX_LIFETIME_DAYS = 366;
export const MAX_CONCURRENCY = 16;

export function parseConfig(raw: RawInputs, now: Date = clockNow()): Config {
  const p = new Problems();
  const action = choice(p, 'action', text(raw.input('action')), ACTIONS, 'rotate') ?? 'rotate';
  const parsedUrls = parseServiceUrls(p, raw);
  const { collectionUri } = parsedUrls;
  const signIn = usesSignInConnection(raw) ? parseSignInConnection(p, raw, now) : undefined;
  const urls = signIn ? withConnectionAuthority(p, parsedUrls.urls, signIn) : parsedUrls.urls;
  const organization = parseOrganization(p, raw, urls, collectionUri);
  const entra = usesSignInConnection(raw) ? signIn?.entra : parseEntraClient(p, raw, now);
  const network = parseNetwork(p, raw);
  const job = {
    systemAccessToken: text(raw.variable('System.AccessToken')) ?? text(raw.endpoint('SYSTEMVSSCONNECTION')?.auth['accesstoken']),
    oidcRequestUri: text(raw.variable('System.OidcRequestUri')),
  };
  const { selector, newDisplayName } = parseSelector(p, raw, action);
  const allowFullAccess = boolean(p, 'allowFullAccess', text(raw.input('allowFullAccess')), false);
  const scopes = parseScopes(p, raw, action, allowFullAccess);
  const lifetimeDays = integer(p, 'lifetimeDays', num(p, raw, 'lifetimeDays'), 30, { min: 1, max: MAX_LIFETIME_DAYS }, `give a whole number of days from 1 to ${MAX_LIFETIME_DAYS}`);
  const rotateWhenExpiresWithinDays = integer(p, 'rotateWhenExpiresWithinDays', num(p, raw, 'rotateWhenExpiresWithinDays'), 7, { min: 0, max: MAX_LIFETIME_DAYS }, 'give a whole number of days, 0 to rotate on every run');
  if (action === 'rotate' && lifetimeDays !== undefined && rotateWhenExpiresWithinDays !== undefined && rotateWhenExpiresWithinDays >= lifetimeDays) {
    p.add(
      'rotateWhenExpiresWithinDays',
      `is ${rotateWhenExpiresWithinDays}, not less than lifetimeDays (${lifetimeDays}): every new PAT would be due at once, so every run would rotate`,
      `set it below ${lifetimeDays} (e.g. ${Math.max(1, Math.floor(lifetimeDays / 4))}), or 0 to rotate on purpose on every run`,
    );
  }
  const revokeOld = boolean(p, 'revokeOld', text(raw.input('revokeOld')), true);
  const dryRun = boolean(p, 'dryRun', text(raw.input('dryRun')), false);
  const checkPatCreation = boolean(p, 'checkPatCreation', text(raw.input('checkPatCreation')), false);
  if (checkPatCreation && action !== 'check') p.add('checkPatCreation', `is for action 'check', not '${action}'`, "remove it, or set action: check");
  const outputRefreshToken = boolean(p, 'outputRefreshToken', text(raw.input('outputRefreshToken')), false);
  const concurrency = integer(p, 'concurrency', num(p, raw, 'concurrency'), 4, { min: 1, max: MAX_CONCURRENCY }, `give a whole number from 1 to ${MAX_CONCURRENCY}`);
  const refreshTokenMaxAgeDays = integer(p, 'refreshTokenMaxAgeDays', num(p, raw, 'refreshTokenMaxAgeDays'), 60, { min: 1, max: 90 }, 'give a whole number of days from 1 to 90 (an unused refresh token lasts 90 days)');

  const shared = new DestinationInputs(p, raw, job);
  // check reads the destinations the same step would write when it rotates, so it parses them as rotate does.
  // list reads them too when the step names a PAT destination, to mark a stored PAT that was revoked or has expired;
  // update, to keep the destinations that hold the PAT in step with its new expiry.
  const stores = action === 'create' || action === 'rotate' || action === 'check' || ((action === 'list' || action === 'update') && namesPatDestination(raw));
  const names = { displayNames: selector.displayNames, bulk: selector.displayNames.length > 1 || selector.displayNamePattern !== undefined };
  const destinations = stores ? parsePatDestinations(p, raw, shared, names) : [];
  // list and check write nothing but the renewed refresh token, and Entra keeps the redeemed one valid: a step without
  // a store is fine for them (check never saves it; list then saves nothing).
  const readOnlyWithoutStore = (action === 'list' || action === 'check') && !usesSignInConnection(raw) && text(raw.input('refreshTokenStore')) === undefined;
  const refreshTokenStore = readOnlyWithoutStore ? { kind: 'none' as const } : parseRefreshTokenStore(p, raw, shared, usesSignInConnection(raw) ? (signIn ?? null) : undefined);
  if (destinations && refreshTokenStore) for (const d of destinations) checkNoCollision(p, d, refreshTokenStore, selector.displayNames);
  const revokeUntracked = boolean(p, 'revokeUntracked', text(raw.input('revokeUntracked')), false);
  const allowNarrowingGlobalPat = boolean(p, 'allowNarrowingGlobalPat', text(raw.input('allowNarrowingGlobalPat')), false);

  p.throwIfAny();
  // Every field below was checked: Problems throws when any of them is missing.
  return {
    action,
    organization: organization!,
    destinationOrganization: destinationOrganization(urls, collectionUri, organization)!,
    urls,
    entra: entra!,
    refreshTokenStore: refreshTokenStore!,
    refreshTokenMaxAgeDays: refreshTokenMaxAgeDays!,
    selector,
    ...(newDisplayName !== undefined ? { newDisplayName } : {}),
    ...(scopes ? { scopes } : {}),
    lifetimeDays: lifetimeDays!,
    rotateWhenExpiresWithinDays: rotateWhenExpiresWithinDays!,
    revokeOld,
    allowFullAccess,
    revokeUntracked,
    allowNarrowingGlobalPat,
    destinations: destinations!,
    dryRun,
    checkPatCreation,
    outputRefreshToken,
    concurrency: concurrency!,
    network,
    ...(job.systemAccessToken !== undefined ? { systemAccessToken: job.systemAccessToken } : {}),
  };
}

/**
 * The sign-in connection's URL is the authority: the refresh token goes there. A PatLifecycle.AuthorityHost naming
 * another host would be a second answer to the same question, from a pipeline variable anyone queuing a run may set:
 * refused rather than chosen between.
 */
function withConnectionAuthority(p: Problems, urls: ServiceUrls, signIn: SignInFromConnection): ServiceUrls {
  const variable = 'PatLifecycle.AuthorityHost';
  const override = urls.overrides?.find((o) => o.variable === variable);
  if (override && new URL(urls.authorityHost).origin !== signIn.authorityHost) {
    p.add(variable, `names ${override.host}, but the sign-in connection's URL names ${new URL(signIn.authorityHost).host}`, `remove the variable ${variable}: with signInConnection, the connection's URL is the sign-in host`);
  }
  return { ...urls, authorityHost: signIn.authorityHost };
}

function num(p: Problems, raw: RawInputs, name: string): string | undefined {
  return expanded(p, name, text(raw.input(name)));
}

function parseScopes(p: Problems, raw: RawInputs, action: Action, allowFullAccess: boolean): string[] | undefined {
  const value = expanded(p, 'scopes', text(raw.input('scopes')));
  if (action === 'revoke' || action === 'list') return undefined;
  // check: the scopes its PAT creation probe asks for (the step's own, so a full-scope policy shows); none needed.
  if (value === undefined) {
    if (action === 'create') p.add('scopes', 'is required to create a PAT', 'give the scopes the PAT needs, e.g. vso.packaging vso.code (space- or comma-separated)');
    return undefined;
  }
  const checked = normalizeScopes(value);
  if (!checked.ok) {
    const detail = checked.unknown.map((u) => (checked.suggestions[u] ? `'${u}' (did you mean ${checked.suggestions[u]}?)` : `'${u}'`)).join(', ');
    return p.add('scopes', `unknown scope(s) ${detail}`, 'use the scope names of the Azure DevOps REST API, e.g. vso.code_write; see https://learn.microsoft.com/azure/devops/integrate/get-started/authentication/oauth#scopes');
  }
  if (checked.scopes.length === 0) return p.add('scopes', 'names no scope', 'give at least one scope, e.g. vso.packaging');
  if (hasFullAccess(checked.scopes) && !allowFullAccess) {
    return p.add('scopes', `'${FULL_ACCESS_SCOPE}' gives the PAT full access to everything the user can do`, 'name the scopes the PAT needs instead, or set allowFullAccess: true if full access is really meant');
  }
  if (hasFullAccess(checked.scopes) && checked.scopes.length > 1) {
    return p.add('scopes', `'${FULL_ACCESS_SCOPE}' (full access) cannot be combined with other scopes`, `give '${FULL_ACCESS_SCOPE}' alone, or only the narrower scopes`);
  }
  return checked.scopes;
}

/**
 * The inputs only a PAT destination has: the group and vault inputs also serve the refresh token store, and the agent
 * fills in target's default for a step that never shows it, so neither makes a destination.
 */
function namesPatDestination(raw: RawInputs): boolean {
  return ['variableName', 'secretName', 'serviceConnection'].some((name) => (text(raw.input(name)) ?? '') !== '');
}
