/**
 * Entra's refusals, translated into what happened and what the user does next. Classified on the AADSTS number
 * (`errorNo`, else the `AADSTSnnnn` in the text), never on MSAL's error class: which class MSAL throws depends on a
 * `suberror` Entra does not send consistently.
 */
import { PatLifecycleError, type ErrorKind } from '../errors';

export const LOGIN_COMMAND = '`pat-lifecycle login`';

export interface AadstsEntry {
  kind: ErrorKind;
  /** What happened, without the code (the code is appended). */
  message: string;
  hint: string;
  retryable?: boolean;
  /** The task input the error is about. */
  input?: string;
}

const SIGN_IN_AGAIN = `Sign in again with ${LOGIN_COMMAND} and store the new refresh token where the pipeline reads it.`;
const EXPIRED: AadstsEntry = {
  kind: 'auth',
  message: 'The refresh token has expired or was revoked',
  hint: SIGN_IN_AGAIN,
  input: 'refreshToken',
};
const MFA_HINT =
  'An unattended refresh cannot satisfy multi-factor authentication. Ask an Entra administrator to exclude this app registration ' +
  `(or the Azure DevOps resource for it) from the policy, or sign in again with ${LOGIN_COMMAND} to satisfy it for a while.`;
const ACCOUNT_HINT = `Fix the account in Entra (or ask an administrator), then sign in again with ${LOGIN_COMMAND}.`;
const TRANSIENT: AadstsEntry = {
  kind: 'service',
  message: 'Entra had a temporary failure',
  hint: 'Run the pipeline again; Entra usually recovers within minutes.',
  retryable: true,
};

export const AADSTS_TABLE: Readonly<Record<string, AadstsEntry>> = {
  '70008': EXPIRED,
  '700082': { ...EXPIRED, message: 'The refresh token has expired after being unused for too long' },
  '50173': { ...EXPIRED, message: 'The refresh token was revoked (a password reset, or an administrator or the user revoked sessions)' },
  '700084': {
    kind: 'auth',
    message: 'The refresh token was issued to a single-page-application (SPA) redirect URI and its fixed 24-hour lifetime has ended',
    hint: `SPA refresh tokens cannot be kept alive. Register a public client (mobile and desktop) redirect URI for the app and sign in again with ${LOGIN_COMMAND}.`,
    input: 'refreshToken',
  },
  '50076': {
    kind: 'policy',
    message: 'Entra requires multi-factor authentication for this sign-in (conditional access or per-user MFA)',
    hint: MFA_HINT,
  },
  '50079': {
    kind: 'policy',
    message: 'Entra requires the user to register for multi-factor authentication',
    hint: `The user must register security info (https://aka.ms/mysecurityinfo) first. ${MFA_HINT}`,
  },
  '50078': {
    kind: 'policy',
    message: 'The multi-factor authentication of this sign-in has expired and Entra asks for it again',
    hint: MFA_HINT,
  },
  '70043': {
    kind: 'policy',
    message: "A conditional access sign-in frequency policy makes the refresh token too old to use",
    hint: `Ask an Entra administrator to exclude this app registration from the sign-in frequency policy, or sign in again with ${LOGIN_COMMAND} (needed again when the frequency period ends).`,
  },
  '53003': {
    kind: 'policy',
    message: 'A conditional access policy blocked the sign-in (for example by location, network or device)',
    hint: 'Ask an Entra administrator which policy applies (sign-in logs, the request id below) and to allow this app or the agent\'s network.',
  },
  '53000': {
    kind: 'policy',
    message: 'A conditional access policy requires a compliant device, which an unattended agent cannot present',
    hint: 'Ask an Entra administrator to exclude this app registration from the device compliance policy.',
  },
  '53001': {
    kind: 'policy',
    message: 'A conditional access policy requires a domain-joined device, which an unattended agent cannot present',
    hint: 'Ask an Entra administrator to exclude this app registration from the device policy.',
  },
  '65001': {
    kind: 'permission',
    message: 'The app registration has no consent to call Azure DevOps for this user',
    hint: "Grant consent (an administrator can grant admin consent) for the app's delegated permission Azure DevOps > user_impersonation, then sign in again.",
  },
  '700016': {
    kind: 'input',
    message: 'Entra does not know this client id in this tenant',
    hint: "Check the inputs 'clientId' and 'tenantId': they must be the app registration that issued the refresh token, in its home tenant.",
    input: 'clientId',
  },
  '90002': {
    kind: 'input',
    message: 'The tenant was not found',
    hint: "Check the input 'tenantId' (a GUID or a verified domain) and that the authority host is the right cloud (pipeline variable PatLifecycle.AuthorityHost).",
    input: 'tenantId',
  },
  '7000215': {
    kind: 'auth',
    message: 'The client secret is wrong',
    hint: "Give the current secret value (not its id) of the app registration in 'clientSecret'.",
    input: 'clientSecret',
  },
  '7000222': {
    kind: 'auth',
    message: 'The client secret has expired',
    hint: "Create a new client secret for the app registration and update 'clientSecret'.",
    input: 'clientSecret',
  },
  '7000218': {
    kind: 'input',
    message: 'The refresh token belongs to a confidential (web) app registration, which must prove its identity',
    hint: "Give 'clientSecret' or 'clientCertificate' for the app registration; or, to use it as a public client, turn on 'Allow public client flows' (app registration > Authentication > Advanced settings) and sign in again.",
    input: 'clientSecret',
  },
  '700025': {
    kind: 'input',
    message: 'The app registration is a public client, which must not send a client secret',
    hint: "Remove 'clientSecret' and 'clientCertificate'.",
    input: 'clientSecret',
  },
  '9002327': {
    kind: 'auth',
    message: 'The refresh token was issued to a single-page-application (SPA) redirect URI and can only be redeemed by a browser',
    hint: `Register a public client (mobile and desktop) or web redirect URI for the app and sign in again with ${LOGIN_COMMAND}.`,
    input: 'refreshToken',
  },
  '50020': {
    kind: 'auth',
    message: "The user is not a member (or invited guest) of the tenant",
    hint: "Check 'tenantId', or invite the user to that tenant, then sign in again.",
  },
  '50126': { kind: 'auth', message: "The user's credentials were rejected", hint: ACCOUNT_HINT },
  '50055': { kind: 'auth', message: "The user's password has expired", hint: ACCOUNT_HINT },
  '50057': { kind: 'auth', message: 'The user account is disabled', hint: ACCOUNT_HINT },
  '50053': { kind: 'auth', message: 'The user account is locked (too many sign-in attempts) or the sign-in was blocked', hint: ACCOUNT_HINT },
  '90006': TRANSIENT,
  '90033': TRANSIENT,
  '50033': TRANSIENT,
  '90024': TRANSIENT,
};

export const TRANSIENT_AADSTS = new Set(Object.entries(AADSTS_TABLE).filter(([, e]) => e.retryable).map(([code]) => code));

/** The fields of an MSAL AuthError this module reads; typed loosely because MSAL's own typing of errorNo is loose. */
interface MsalErrorLike {
  errorCode?: unknown;
  errorNo?: unknown;
  errorMessage?: unknown;
  message?: unknown;
  subError?: unknown;
  traceId?: unknown;
  correlationId?: unknown;
}

export function aadstsNumber(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as MsalErrorLike;
  if ((typeof e.errorNo === 'string' && /^\d+$/.test(e.errorNo)) || typeof e.errorNo === 'number') return String(e.errorNo);
  for (const text of [e.errorMessage, e.message]) {
    const m = typeof text === 'string' ? /AADSTS(\d+)/.exec(text) : null;
    if (m) return m[1];
  }
  return undefined;
}

/** Entra's trace id (and correlation id) to quote to Microsoft support; taken from fields or MSAL's message format. */
export function entraRequestId(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as MsalErrorLike;
  const text = typeof e.errorMessage === 'string' ? e.errorMessage : '';
  const trace = (typeof e.traceId === 'string' && e.traceId) || /Trace ID: ([0-9a-f-]{36})/i.exec(text)?.[1];
  const correlation = /Correlation ID: ([0-9a-f-]{36})/i.exec(text)?.[1];
  if (trace && correlation) return `${trace} (correlation ${correlation})`;
  return trace || correlation || undefined;
}

/**
 * A PatLifecycleError for an Entra refusal with an AADSTS code; undefined when the error carries none.
 * The message is built from the table and the code, never from Entra's description (which can echo request data).
 */
export function translateAadsts(err: unknown): PatLifecycleError | undefined {
  const number = aadstsNumber(err);
  if (!number) return undefined;
  const code = `AADSTS${number}`;
  const requestId = entraRequestId(err);
  const entry = AADSTS_TABLE[number];
  if (entry) {
    return new PatLifecycleError(entry.kind, code, `${entry.message} (${code}).`, {
      hint: entry.hint,
      input: entry.input,
      requestId,
      retryable: entry.retryable ?? false,
      cause: err,
    });
  }
  const oauthError = typeof (err as MsalErrorLike).errorCode === 'string' ? (err as MsalErrorLike).errorCode as string : '';
  return new PatLifecycleError('auth', code, `Entra refused to redeem the refresh token (${code}${oauthError ? `, ${oauthError}` : ''}).`, {
    hint: `Look the code up at https://login.microsoftonline.com/error?code=${number}. If the refresh token is at fault, sign in again with ${LOGIN_COMMAND}.`,
    requestId,
    cause: err,
  });
}
