/** What the operations need from the rest of the run, and what they hand back. */
import type { Config, StoreTarget } from '../config/types';
import type { PatDisplayFilter, PatToken, PatTokenCreateRequest, PatTokenUpdateRequest } from '../devops/types';
import type { SecretStore } from '../stores/secret-store';
import type { Host } from '../host';
import { asPatLifecycleError, type PatLifecycleError } from '../errors';

/** The PAT Lifecycle API as operations use it; src/devops/pat-client.ts `PatClient` has this shape. */
export interface PatApi {
  listAll(filter?: PatDisplayFilter): AsyncIterable<PatToken>;
  get(authorizationId: string): Promise<PatToken | undefined>;
  /** Throws a PatLifecycleError with code 'OutcomeUnknown' when the request may have reached the service. */
  create(request: PatTokenCreateRequest): Promise<PatToken & { token: string }>;
  update(request: PatTokenUpdateRequest): Promise<PatToken>;
  revoke(authorizationId: string): Promise<'revoked' | 'notFound'>;
}

export type OperationLog = Pick<Host, 'info' | 'warn' | 'debug' | 'progress'>;

export interface OperationContext {
  config: Config;
  pats: PatApi;
  /** Opens the store of one PAT; the destination is already expanded (`{name}` filled in). */
  openStore(destination: StoreTarget): Promise<SecretStore>;
  log: OperationLog;
  /** Registers a new secret with the log masker the moment it is known. */
  registerSecret(value: string): void;
  /** The run's clock (src/clock.ts). */
  now(): Date;
  /** When this run began: a PAT created after it with our name and an unknown id is ours. */
  runStartedAt: Date;
  /** Names this run in the intents it writes (operations/ownership.ts). */
  runId: string;
  /**
   * Other destinations the run can see (beyond `own`) whose records name this PAT: such a PAT is not revoked. Without
   * it, only the step's own destinations count.
   */
  findHolders?(authorizationId: string, own: readonly SecretStore[]): Promise<string[]>;
  /** The run's PAT listing, when the caller started it early (PatDirectory.prefetch); else the operation makes one. */
  directory?: import('./pat-directory').PatDirectory;
}

export type OutcomeAction =
  | 'created'
  | 'rotated'
  | 'notDue'
  | 'adopted'
  | 'exists'
  | 'updated'
  | 'revoked'
  | 'alreadyGone'
  | 'listed'
  | 'planned'
  | 'failed';

/** What happened to one PAT. Holds the new value only in memory, for the secret output variable. */
export interface PatOutcome {
  /** The display name (or the authorization ID when that selected it and the PAT was not found). */
  name: string;
  action: OutcomeAction;
  /** One line for the summary's "action taken" column. */
  detail: string;
  /** The PAT in effect afterwards: the new one, the updated one, or the one left alone. Never carries a value. */
  pat?: PatToken;
  /** The PAT this one replaced or revoked. */
  previous?: PatToken;
  /** The new PAT's value: for the `token` output only, never for logs or the summary. */
  newToken?: string;
  /** `describe()` of the store that holds the new value. */
  storedIn?: string;
  /** true when rotate created a new PAT. */
  rotated: boolean;
  /** A create went unanswered and was tried again: a PAT it made may still appear later (the intent stays as proof). */
  createUncertain?: boolean;
  /** Steps the run would take (dry run) or took. */
  plan: string[];
  /** Shown and logged; the step still succeeds. */
  warnings: string[];
  /** Shown and logged; the step ends SucceededWithIssues. */
  issues: string[];
  /** list: what became of a PAT a destination of the step records, when it is no longer active. */
  recordedState?: 'revoked' | 'expired';
  /** Issues that head the run summary: a stored PAT found revoked outside the task (also in `issues`). */
  alerts?: string[];
  error?: PatLifecycleError;
}

export interface OperationResult {
  outcomes: PatOutcome[];
}

/**
 * Runs one PAT's work on its outcome; a failure is recorded on it with what was done and said before (warnings,
 * plan), and the new value is dropped: a failed PAT hands no value to later steps.
 */
export async function settle(out: PatOutcome, work: (out: PatOutcome) => Promise<unknown>): Promise<PatOutcome> {
  try {
    await work(out);
  } catch (err) {
    out.error = asPatLifecycleError(err);
    out.action = 'failed';
    out.rotated = false;
    out.detail = `failed: ${out.error.describe()}`;
    delete out.newToken;
  }
  return out;
}

export function newOutcome(name: string): PatOutcome {
  return { name, action: 'failed', detail: '', rotated: false, plan: [], warnings: [], issues: [] };
}

/** Prints the steps just decided for one PAT, before any of them is taken (the whole output of a dry run). */
export function announcePlan(run: Pick<OperationContext, 'log' | 'config'>, out: PatOutcome): void {
  const lead = run.config.dryRun ? 'Dry run, would' : 'Plan:';
  const from = announced.get(out) ?? 0;
  for (const step of out.plan.slice(from)) run.log.info(`${lead} ${step} [PAT '${out.name}']`);
  announced.set(out, out.plan.length);
}

const announced = new WeakMap<PatOutcome, number>();

/** A PAT for messages: name and id, never a value. */
export function describePat(pat: Pick<PatToken, 'displayName' | 'authorizationId'>): string {
  return `'${pat.displayName}' (${pat.authorizationId})`;
}

/** The context one operation runs in: the caller's context plus the run's shared PAT listing. */
export interface OperationRun extends OperationContext {
  directory: import('./pat-directory').PatDirectory;
}
