/**
 * The HTTP steps of one scheduled rotation (refresh token kept in a variable group, the PAT written to another), and
 * how to aim an emulator fault at exactly one of them. The emulator matches faults by route and counts matching
 * requests (`nth`), so each step is located in the request log of an unfaulted baseline rotation: its role, its
 * route, and how many requests of that route came before it. Nothing here hard-codes the product's request order.
 */
import type { Emulator, FaultSpec, RequestLogEntry } from '../../emulator';
import { AUTH_GROUP, TOKENS_GROUP } from './sandbox';
import { waitFor } from './lanes';

/** Steps every rotation makes. */
export const STEPS = [
  'token',
  // Every group the run writes is read before anything is written (stores/check-groups.ts).
  'storeFind',
  'rtWrite',
  'patList',
  'intentWrite',
  'create',
  'storeLoad',
  'storeWrite',
  'revoke',
] as const;
export type Step = (typeof STEPS)[number];

export const STEP_LABELS: Record<Step, string> = {
  token: 'token redemption (POST Entra token)',
  rtWrite: 'refresh-token store write (PUT Auth)',
  patList: 'list PATs (GET pats)',
  storeFind: 'find PAT store (GET groups?name)',
  intentWrite: 'intent before create (PUT group)',
  create: 'create PAT (POST pats)',
  storeLoad: 'store write: GET group',
  storeWrite: 'store write: PUT group',
  revoke: 'revoke old PAT (DELETE pats)',
};

/** The order the steps happen in, for tables. */
export const STEP_ORDER: readonly Step[] = STEPS;

type Role = Step | 'rtFind' | 'rtLoad' | 'intentLoad' | 'readAfterWrite' | 'other';

/**
 * The role of every request of one rotation, given the two groups' ids. The PAT's group is written twice: first the
 * run's intent (before the create), then the value. GETs of it are named by their place around the value's PUT: the
 * last one before it is the write's own read (where the store also checks that it still names the old PAT and carries
 * this run's intent). There is no GET after a PUT: a write is checked on the service's answer to it.
 */
export function rolesOf(entries: ReadonlyArray<Pick<RequestLogEntry, 'route' | 'path' | 'query'>>, ids: { tokens: number; auth: number }): Role[] {
  const groupOf = (e: Pick<RequestLogEntry, 'path'>) => Number(/\/variablegroups\/(\d+)/i.exec(e.path)?.[1]);
  const putsOf = (id: number) => entries.map((e, i) => (e.route === 'variableGroups.update' && groupOf(e) === id ? i : -1)).filter((i) => i >= 0);
  const [intentPut, tokensPut = -1] = putsOf(ids.tokens);
  const [authPut = -1] = putsOf(ids.auth);
  const tokensGetsBefore = entries.map((e, i) => (e.route === 'variableGroups.get' && groupOf(e) === ids.tokens && (tokensPut < 0 || i < tokensPut) ? i : -1)).filter((i) => i >= 0);
  return entries.map((e, i): Role => {
    switch (e.route) {
      case 'entra.token':
        return 'token';
      case 'pats.list':
        return 'patList';
      case 'pats.create':
        return 'create';
      case 'pats.revoke':
        return 'revoke';
      case 'variableGroups.list': {
        const name = new URLSearchParams(e.query).get('groupName');
        return name === AUTH_GROUP ? 'rtFind' : name === TOKENS_GROUP ? 'storeFind' : 'other';
      }
      case 'variableGroups.update':
        return groupOf(e) === ids.auth ? 'rtWrite' : groupOf(e) === ids.tokens ? (i === intentPut ? 'intentWrite' : 'storeWrite') : 'other';
      case 'variableGroups.get':
        if (groupOf(e) === ids.auth) return authPut >= 0 && i > authPut ? 'readAfterWrite' : 'rtLoad';
        if (groupOf(e) !== ids.tokens) return 'other';
        if (i < intentPut) return 'intentLoad';
        if (tokensPut < 0 || i < tokensPut) return i === tokensGetsBefore[tokensGetsBefore.length - 1] ? 'storeLoad' : 'other';
        return 'readAfterWrite';
      default:
        return 'other';
    }
  });
}

export interface StepTarget {
  step: Step;
  route: string;
  /** The step is the nth request of its route in a rotation. */
  nth: number;
}

/** Where each step of a rotation sits in the request log of an unfaulted one (the first request of each role); a step the run did not make is absent. */
export function findSteps(entries: readonly RequestLogEntry[], ids: { tokens: number; auth: number }): Partial<Record<Step, StepTarget>> {
  const roles = rolesOf(entries, ids);
  const perRoute = new Map<string, number>();
  const found: Partial<Record<Step, StepTarget>> = {};
  entries.forEach((e, i) => {
    const n = (perRoute.get(e.route) ?? 0) + 1;
    perRoute.set(e.route, n);
    const role = roles[i];
    if (role in STEP_LABELS && !found[role as Step]) found[role as Step] = { step: role as Step, route: e.route, nth: n };
  });
  return found;
}

/** Why a test aimed at `step` cannot run: the baseline rotation made no such request (the flow changed; the test must be aimed anew). */
export function missingStep(step: Step, entries: readonly Pick<RequestLogEntry, 'route'>[]): string {
  return `the baseline rotation made no request for ${step} (${STEP_LABELS[step]}); routes seen: ${entries.map((e) => e.route).join(' ')}`;
}

/** Locates every step (findSteps), and throws when one is missing. */
export function locateSteps(entries: readonly RequestLogEntry[], ids: { tokens: number; auth: number }): Record<Step, StepTarget> {
  const found = findSteps(entries, ids);
  const missing = STEPS.filter((s) => !found[s]);
  if (missing.length) throw new Error(missing.map((s) => missingStep(s, entries)).join('; '));
  return found as Record<Step, StepTarget>;
}

/** Waits until every fault the emulator applied has finished (a delayed request's handler ran), so state is final. */
export async function quiesce(emu: Emulator, faultIds: readonly string[], timeoutMs = 10_000): Promise<void> {
  const armed = new Set(emu.faults.list().map((f) => f.id));
  const taken = faultIds.filter((id) => !armed.has(id) || (emu.faults.list().find((f) => f.id === id)?.applied ?? 0) > 0);
  await waitFor(() => taken.every((id) => emu.log.entries().some((e) => e.faultId === id)), timeoutMs);
}

export type { FaultSpec };
