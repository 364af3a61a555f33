/**
 * Key Vault and credential failures from the Azure SDKs, as PatLifecycleErrors. Messages are built from status codes,
 * error codes and names; the SDK's message text is not copied, since it can quote request details.
 */
import { PatLifecycleError } from '../errors';
import { TIMEOUT_SETTING_HINT } from '../http/transport-errors';

interface SdkErrorLike {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  details?: unknown;
  request?: { headers?: { get?(name: string): string | undefined } };
  response?: { headers?: { get?(name: string): string | undefined } };
}

/**
 * How to fix the identity Key Vault is reached with, in the words of whoever runs the code: the task names its
 * service connection, the CLI its flags and environment variables (cli/key-vault-store.ts, cli/run-command.ts).
 */
export interface CredentialAdvice {
  /** The credential yielded no token (an expired secret, a federated credential that does not match). */
  signIn: string;
  /** No credential of that kind is available here (CredentialUnavailableError). */
  unavailable: string;
  /** The vault refused the token (401): most likely another tenant's. */
  tenant: string;
  /** What to do about a passing failure (429, 5xx): 'Run the pipeline again'. */
  rerun: string;
}

/** The task's: the identity is an Azure Resource Manager service connection. */
export const SERVICE_CONNECTION_ADVICE: CredentialAdvice = {
  signIn: 'Check the service connection (Project settings > Service connections): its secret or certificate may have expired, or the federated credential may not match.',
  unavailable: 'Check the service connection: for workload identity federation the job needs System.AccessToken and the OIDC endpoint; for a managed identity the agent must run on an Azure resource with that identity.',
  tenant: "Check that the service connection's tenant is the vault's tenant.",
  rerun: 'Run the pipeline again',
};

export interface KeyVaultErrorContext {
  vaultUrl: string;
  secretName: string;
  /** 'set secret', 'get secret'... */
  operation: string;
  /** How the user finds the identity: "the service connection's identity" or a named connection. */
  identity: string;
  /** The task input holding the secret name, for input errors. */
  secretNameInput: string;
  /** The per-request limit, for the timeout message. */
  timeoutMs?: number;
  /** Default: the service connection's (the task). */
  advice?: CredentialAdvice;
}

function field(err: SdkErrorLike, name: keyof SdkErrorLike): string | undefined {
  const v = err[name];
  return typeof v === 'string' ? v : undefined;
}

/** `{"error":{"code":"Forbidden","innererror":{"code":"ForbiddenByRbac"}}}` as RestError keeps it in details. */
function innerCodes(err: SdkErrorLike): string[] {
  const codes: string[] = [];
  let node: unknown = (err.details as { error?: unknown } | undefined)?.error ?? err.details;
  for (let depth = 0; depth < 5 && node && typeof node === 'object'; depth++) {
    const n = node as { code?: unknown; innererror?: unknown; innerError?: unknown };
    if (typeof n.code === 'string') codes.push(n.code);
    node = n.innererror ?? n.innerError;
  }
  const message = field(err, 'message') ?? '';
  for (const known of ['ForbiddenByRbac', 'ForbiddenByPolicy', 'ForbiddenByFirewall', 'ForbiddenByConnection', 'ObjectIsDeletedButRecoverable', 'SecretDisabled']) {
    if (message.includes(known)) codes.push(known);
  }
  return codes;
}

function requestIdOf(err: SdkErrorLike): string | undefined {
  return err.response?.headers?.get?.('x-ms-request-id') ?? undefined;
}

export function isSecretNotFound(err: unknown): boolean {
  const e = (err ?? {}) as SdkErrorLike;
  return e.statusCode === 404 && (field(e, 'code') === 'SecretNotFound' || innerCodes(e).includes('SecretNotFound') || field(e, 'code') === undefined);
}

/** A get of a disabled version: 403 with innererror SecretDisabled (its tags are still listed with the versions). */
export function isSecretDisabled(err: unknown): boolean {
  const e = (err ?? {}) as SdkErrorLike;
  return e.statusCode === 403 && innerCodes(e).includes('SecretDisabled');
}

export function translateKeyVaultError(err: unknown, ctx: KeyVaultErrorContext): PatLifecycleError {
  if (err instanceof PatLifecycleError) return err;
  const e = (err ?? {}) as SdkErrorLike;
  const name = field(e, 'name') ?? '';
  const code = field(e, 'code');
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const inner = innerCodes(e);
  const host = new URL(ctx.vaultUrl).host;
  const vaultName = host.split('.')[0];
  const base = { status, requestId: requestIdOf(e), cause: err };
  const where = `Key Vault secret '${ctx.secretName}' in ${host}`;
  const advice = ctx.advice ?? SERVICE_CONNECTION_ADVICE;

  // @azure/identity failures: the credential (the service connection's, or the CLI user's) did not yield a token.
  // AuthenticationError, AuthenticationRequiredError, CredentialUnavailableError, AggregateAuthenticationError.
  if (/Authentication|Credential/.test(name)) {
    const aadsts = /AADSTS(\d+)/.exec(field(e, 'message') ?? '')?.[1];
    return new PatLifecycleError('auth', aadsts ? `AADSTS${aadsts}` : name, `${ctx.identity} could not sign in to Microsoft Entra for Key Vault (${aadsts ? `AADSTS${aadsts}` : name}).`, {
      ...base,
      hint: name === 'CredentialUnavailableError' ? advice.unavailable : advice.signIn,
    });
  }

  if (status === 401) {
    return new PatLifecycleError('auth', code ?? 'HTTP 401', `Key Vault ${host} did not accept the token of ${ctx.identity} ('${ctx.operation}').`, {
      ...base,
      hint: advice.tenant,
    });
  }
  if (status === 403) {
    const firewall = inner.some((c) => c === 'ForbiddenByFirewall' || c === 'ForbiddenByConnection');
    return new PatLifecycleError('permission', [...inner].reverse().find((c) => c.startsWith('Forbidden')) ?? code ?? 'HTTP 403', `${ctx.identity} may not '${ctx.operation}' on ${where}.`, {
      ...base,
      hint: firewall
        ? `The vault's firewall blocks the agent: allow the agent's network on vault '${vaultName}' (Networking), or use a self-hosted agent inside it.`
        : `Grant ${ctx.identity} the role 'Key Vault Secrets Officer' on vault '${vaultName}' (or, with access policies, an access policy with secret get and set).`,
    });
  }
  if (status === 409 && inner.includes('ObjectIsDeletedButRecoverable')) {
    return new PatLifecycleError('input', 'ObjectIsDeletedButRecoverable', `${where} is soft-deleted: its name cannot be used until it is recovered or purged.`, {
      ...base,
      input: ctx.secretNameInput,
      hint: `Recover the secret (az keyvault secret recover --vault-name ${vaultName} --name ${ctx.secretName}) or purge it, or choose another '${ctx.secretNameInput}'.`,
    });
  }
  if (status === 400) {
    return new PatLifecycleError('input', code ?? 'HTTP 400', `Key Vault ${host} refused '${ctx.operation}' for secret '${ctx.secretName}' (${code ?? 'HTTP 400'}).`, {
      ...base,
      input: ctx.secretNameInput,
      hint: 'Secret names are 1-127 letters, digits and hyphens; tags are at most 15, values at most 256 characters.',
    });
  }
  if (status === 404) {
    return new PatLifecycleError('notFound', code ?? 'HTTP 404', `${where} was not found ('${ctx.operation}').`, {
      ...base,
      hint: "Check the vault URL and the secret name (and the vault's DNS suffix for sovereign clouds).",
    });
  }
  if (status === 429 || (status !== undefined && status >= 500)) {
    return new PatLifecycleError('service', code ?? `HTTP ${status}`, `Key Vault ${host} could not '${ctx.operation}' (HTTP ${status}) after retries.`, {
      ...base,
      retryable: true,
      hint: `${advice.rerun} later.`,
    });
  }
  if (name === 'AbortError' || (code === 'REQUEST_SEND_ERROR' && /timeout|timed out|aborted/i.test(field(e, 'message') ?? ''))) {
    const after = ctx.timeoutMs ? ` after ${Math.round(ctx.timeoutMs / 100) / 10} s` : '';
    return new PatLifecycleError('network', 'ETIMEDOUT', `The request to Key Vault ${host} timed out${after}: '${ctx.operation}'.`, {
      ...base,
      retryable: true,
      hint: TIMEOUT_SETTING_HINT,
    });
  }
  if (/challenge resource/i.test(field(e, 'message') ?? '')) {
    return new PatLifecycleError('input', 'ChallengeResourceMismatch', `Key Vault ${host} asked for a token for another resource than its own domain; the task refuses to send one.`, {
      ...base,
      input: 'keyVault',
      hint: "Give the vault's real URL (https://<name>.vault.azure.net, or the sovereign cloud's Key Vault DNS suffix).",
    });
  }
  if (code && /^E[A-Z]+$|REQUEST_SEND_ERROR/.test(code)) {
    return new PatLifecycleError('network', code, `Could not reach Key Vault ${host} ('${ctx.operation}', ${code}).`, {
      ...base,
      retryable: true,
      hint: "Check that the agent can reach the vault (proxy settings, the vault's firewall and private endpoints).",
    });
  }
  return new PatLifecycleError('service', code ?? (name || 'KeyVaultError'), `Key Vault ${host}: '${ctx.operation}' failed (${code ?? (name || 'unknown error')}).`, base);
}
