/**
 * What action check reports: one line per prerequisite of the step, each `ok`, `missing` (with the fix) or
 * `notChecked` (reading cannot prove it; says what the first run needs, or how to check it).
 */
import type { Config } from '../config/types';
import type { EntraSession } from '../entra/redeem-refresh-token';
import type { ServiceEndpointClient } from '../devops/service-endpoint-client';
import type { VariableGroupClient } from '../devops/variable-group-client';
import { asPatLifecycleError, type PatLifecycleError } from '../errors';
import type { PatApi } from '../operations/types';
import type { StoreDestination } from '../stores/open-store';
import type { SecretStore } from '../stores/secret-store';

export type CheckState = 'ok' | 'missing' | 'notChecked';

export interface CheckLine {
  /** What is checked, e.g. `Sign-in`, `Variable group 'Tokens' (PAT destination)`. */
  prerequisite: string;
  state: CheckState;
  /** What was found. Never a secret: built from names, ids, dates and the services' error codes. */
  detail: string;
  /** For `missing`: what to change, naming the input, the portal page or the role. For `notChecked`: how to prove it. */
  fix?: string;
}

export const ok = (prerequisite: string, detail: string): CheckLine => ({ prerequisite, state: 'ok', detail });
export const missing = (prerequisite: string, detail: string, fix?: string): CheckLine => ({ prerequisite, state: 'missing', detail, ...(fix ? { fix } : {}) });
export const notChecked = (prerequisite: string, detail: string, fix?: string): CheckLine => ({ prerequisite, state: 'notChecked', detail, ...(fix ? { fix } : {}) });

/** A failure as a `missing` line: the error's message (with its code and request id) and its own fix. */
export function missingFrom(prerequisite: string, err: unknown, explain: (e: PatLifecycleError) => PatLifecycleError = (e) => e): CheckLine {
  const e = explain(asPatLifecycleError(err));
  const detail = [e.message.includes(e.code) ? e.message : `${e.message} [${e.code}]`, e.requestId ? `(request id ${e.requestId})` : ''].filter(Boolean).join(' ');
  return missing(prerequisite, detail, e.hint);
}

/** Everything check reaches the services through; src/run.ts builds it from the run's own clients. */
export interface CheckDeps {
  config: Config;
  redeem(): Promise<EntraSession>;
  patApi(accessToken: string): PatApi;
  /** A store as the run would open it, read-only here (prepare, read). */
  openStore(destination: StoreDestination, purpose: 'pat' | 'refreshToken', userAccessToken: string): Promise<SecretStore>;
  groupClient(destination: Extract<StoreDestination, { kind: 'variableGroup' }>, userAccessToken: string): VariableGroupClient;
  endpointClient(userAccessToken: string): ServiceEndpointClient;
  /** Names the exact login command where a hint says to sign in again (src/run.ts withLoginCommand). */
  explain(err: PatLifecycleError): PatLifecycleError;
  now(): Date;
  /** Names the PAT creation probe, so it is recognisably this run's. */
  runId: string;
  log: { info(message: string): void; debug(message: string): void };
}

