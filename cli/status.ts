/**
 * `status`: how long until a human must step in. Shows the stored refresh token's age and the days left in its
 * 90-day inactivity window (from the issuedAt the task and `login` write beside it), and the signed-in user's
 * active PATs with their days left. Exit code 3 when something needs attention within the thresholds.
 */
import { DAY_MS, now as clockNow, REFRESH_TOKEN_LIFETIME_DAYS, refreshTokenAge, wholeDays } from '../src/clock';
import { daysLeft as patDaysLeft } from '../src/operations/pat-facts';
import type { PatToken } from '../src/devops/types';
import type { StoredSecretInfo } from '../src/stores/secret-store';
import { EXIT, type StatusSettings, type StoreSettings } from './args';
import type { OpenBrowser } from './browser-flow';
import type { Output } from './output';
import type { CliServices } from './services';
import { signIn } from './sign-in';


export type ItemState = 'ok' | 'attention' | 'unknown';

export interface RefreshTokenStatus {
  store: string;
  exists: boolean;
  issuedAt?: string;
  /** Whole days (src/clock.ts wholeDays, the rule every message of the task uses too). */
  ageDays?: number;
  /** issuedAt + 90 days: when the token dies if nothing redeems it before. */
  expiresAt?: string;
  daysLeft?: number;
  clientId?: string;
  tenantId?: string;
  state: ItemState;
  note?: string;
}

export interface PatStatus {
  displayName: string;
  authorizationId: string;
  validTo: string;
  /** Whole days (src/clock.ts wholeDays). */
  daysLeft: number;
  scope: string;
  state: ItemState;
  note?: string;
}

export interface StatusReport {
  organization: string;
  generatedAt: string;
  refreshToken?: RefreshTokenStatus;
  pats: PatStatus[];
  /** One line per item that needs a human; empty when all is well. */
  attention: string[];
}

export interface StatusInput {
  organization: string;
  /** undefined when no store was given. */
  refreshToken?: { store: string; info: StoredSecretInfo };
  pats: PatToken[];
  /** The --client-id of this run, to notice a token stored for another app. */
  clientId?: string;
  warnDays: number;
  patWarnDays: number;
  now?: Date;
}

export function buildStatusReport(input: StatusInput): StatusReport {
  const at = input.now ?? clockNow();
  const attention: string[] = [];
  let refreshToken: RefreshTokenStatus | undefined;

  if (input.refreshToken) {
    const { store, info } = input.refreshToken;
    if (!info.exists) {
      refreshToken = { store, exists: false, state: 'attention', note: 'no refresh token stored: run pat-lifecycle login' };
      attention.push(`Refresh token: nothing is stored in ${store}; run pat-lifecycle login.`);
    } else {
      const issuedRaw = info.metadata.issuedAt;
      const issued = issuedRaw ? new Date(issuedRaw) : undefined;
      const base: RefreshTokenStatus = {
        store,
        exists: true,
        clientId: info.metadata.clientId,
        tenantId: info.metadata.tenantId,
        state: 'ok',
      };
      if (!issued || Number.isNaN(issued.getTime())) {
        refreshToken = { ...base, state: 'unknown', note: 'no issuedAt beside the token; its age is unknown' };
        attention.push(`Refresh token in ${store}: its issue date is not recorded, so its expiry cannot be told; run pat-lifecycle login to store it with metadata.`);
      } else {
        const told = refreshTokenAge(issued, at);
        // The exact time left decides; people read whole days.
        const left = (told.expiresAt.getTime() - at.getTime()) / DAY_MS;
        refreshToken = {
          ...base,
          issuedAt: issued.toISOString(),
          ageDays: told.ageDays,
          expiresAt: told.expiresAt.toISOString(),
          daysLeft: told.daysLeft,
        };
        if (left <= 0) {
          refreshToken.state = 'attention';
          refreshToken.note = `expired after ${REFRESH_TOKEN_LIFETIME_DAYS} days without use: run pat-lifecycle login`;
          attention.push(`Refresh token in ${store} expired ${told.ageDays - REFRESH_TOKEN_LIFETIME_DAYS} day(s) ago (${REFRESH_TOKEN_LIFETIME_DAYS} days without use); run pat-lifecycle login.`);
        } else if (left <= input.warnDays) {
          refreshToken.state = 'attention';
          refreshToken.note = `expires in ${told.daysLeft} day(s) unless the pipeline runs`;
          attention.push(`Refresh token in ${store} expires in ${told.daysLeft} day(s) unless a scheduled run redeems it; check that the pipeline runs.`);
        }
      }
      if (input.clientId && refreshToken.clientId && refreshToken.clientId.toLowerCase() !== input.clientId.toLowerCase()) {
        refreshToken.note = [refreshToken.note, `stored for client id ${refreshToken.clientId}, not ${input.clientId}`].filter(Boolean).join('; ');
      }
    }
  }

  const pats: PatStatus[] = input.pats
    .map((p) => {
      const validTo = new Date(p.validTo);
      const left = patDaysLeft(p, at);
      const s: PatStatus = {
        displayName: p.displayName,
        authorizationId: p.authorizationId,
        validTo: Number.isNaN(validTo.getTime()) ? p.validTo : validTo.toISOString(),
        daysLeft: wholeDays(left),
        scope: p.scope,
        state: 'ok',
      };
      if (left <= 0) {
        s.state = 'attention';
        s.note = 'expired';
        attention.push(`PAT '${p.displayName}' (${p.authorizationId}) has expired.`);
      } else if (left <= input.patWarnDays) {
        s.state = 'attention';
        s.note = `expires in ${wholeDays(left)} day(s)`;
        attention.push(`PAT '${p.displayName}' (${p.authorizationId}) expires in ${wholeDays(left)} day(s); the rotation has not replaced it.`);
      }
      return s;
    })
    .sort((a, b) => Date.parse(a.validTo) - Date.parse(b.validTo));

  return { organization: input.organization, generatedAt: at.toISOString(), refreshToken, pats, attention };
}

function dateOnly(iso: string | undefined): string {
  return iso ? iso.slice(0, 10) : '-';
}

function num(n: number | undefined): string {
  return n === undefined ? '-' : String(n);
}

/** Plain-text table; widths follow the content. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function renderStatusReport(report: StatusReport): string {
  const rows: string[][] = [];
  const rt = report.refreshToken;
  if (rt) {
    rows.push([
      'refresh token',
      rt.store,
      dateOnly(rt.issuedAt),
      num(rt.ageDays),
      dateOnly(rt.expiresAt),
      num(rt.daysLeft),
      rt.state === 'ok' ? 'ok' : `${rt.state === 'attention' ? 'ATTENTION' : 'UNKNOWN'}${rt.note ? `: ${rt.note}` : ''}`,
    ]);
  }
  for (const p of report.pats) {
    rows.push([
      'PAT',
      `${p.displayName} (${p.authorizationId})`,
      '-',
      '-',
      dateOnly(p.validTo),
      num(p.daysLeft),
      p.state === 'ok' ? 'ok' : `ATTENTION${p.note ? `: ${p.note}` : ''}`,
    ]);
  }
  const out = [
    `Organization: ${report.organization}`,
    '',
    renderTable(['ITEM', 'NAME / STORE', 'ISSUED', 'AGE (d)', 'EXPIRES', 'DAYS LEFT', 'STATE'], rows),
  ];
  if (report.pats.length === 0) out.push('', 'No active PATs for the signed-in user in this organization.');
  if (rt) out.push('', 'The refresh token expires after 90 days without use; each pipeline run that redeems it starts a new 90 days.');
  out.push('', report.attention.length === 0 ? 'Nothing needs attention.' : ['Needs attention:', ...report.attention.map((a) => `  - ${a}`)].join('\n'));
  return out.join('\n');
}

/** For the table: `Web/Tokens:RefreshToken`, `kv1/refresh-token`. */
export function shortStoreName(store: StoreSettings): string {
  if (store.kind === 'variableGroup') return `group ${store.project}/${store.group.name ?? `#${store.group.id}`}:${store.variableName}`;
  if (store.kind === 'serviceConnection') return `connection ${store.project}/${store.nameOrId}`;
  return `vault ${new URL(store.vaultUrl).hostname.split('.')[0]}/${store.secretName}`;
}

export interface StatusDeps {
  output: Output;
  services: CliServices;
  openBrowser?: OpenBrowser;
}

/** Signs in (for the variable group and the PAT list), gathers, prints; returns the exit code. */
export async function runStatus(settings: StatusSettings, deps: StatusDeps): Promise<number> {
  const { output, services } = deps;
  output.secret(settings.signIn.clientSecret);
  output.info(`Signing in to read the status of organization ${settings.organization}...`);
  const signedIn = await signIn(settings.signIn, {
    output,
    openBrowser: deps.openBrowser,
    networkClient: services.msalNetworkClient(settings.network, output),
  });
  // status only reads: the refresh token this sign-in produced is dropped, never stored or shown.
  output.info(`Signed in${signedIn.username ? ` as ${signedIn.username}` : ''}.`);

  let refreshToken: StatusInput['refreshToken'];
  if (settings.store) {
    const store = await services.openRefreshTokenStore(settings.store, {
      organization: settings.organization,
      urls: settings.urls,
      network: settings.network,
      userAccessToken: signedIn.accessToken,
      output,
    });
    refreshToken = { store: shortStoreName(settings.store), info: await store.read() };
  }
  const pats: PatToken[] = [];
  for await (const pat of services.listActivePats({
    organization: settings.organization,
    urls: settings.urls,
    network: settings.network,
    accessToken: signedIn.accessToken,
    output,
  })) {
    pats.push(pat);
  }
  const report = buildStatusReport({
    organization: settings.organization,
    refreshToken,
    pats,
    clientId: settings.signIn.clientId,
    warnDays: settings.warnDays,
    patWarnDays: settings.patWarnDays,
  });
  output.result(settings.json ? JSON.stringify(report, null, 2) : renderStatusReport(report));
  return report.attention.length > 0 ? EXIT.attention : EXIT.ok;
}
