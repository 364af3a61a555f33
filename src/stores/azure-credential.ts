/** The credential of an Azure Resource Manager service connection, for Key Vault. */
import * as identity from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import type { AzureCredentialConfig, NetworkConfig } from '../config/types';
import { isMicrosoftAuthorityHost } from '../entra/authority';
import { PatLifecycleError } from '../errors';
import { managedIdentityAgent, networkPolicy } from '../http/proxy';
import { DEFAULT_RETRY_POLICY } from '../http/retry-policy';

/** The Azure SDKs' own retry, with the limits of ours (src/http/retry-policy.ts). */
export const SDK_RETRY_OPTIONS = { maxRetries: DEFAULT_RETRY_POLICY.maxRetries, retryDelayInMs: DEFAULT_RETRY_POLICY.baseDelayMs, maxRetryDelayInMs: DEFAULT_RETRY_POLICY.maxDelayMs };

/**
 * What every Azure SDK client of the product gets: our retry limits, and the network policy of our own pipeline
 * (src/http/proxy.ts: the agent's proxy and bypass list, the extra CA, no proxy from the environment). It runs per
 * attempt, after the SDK's own proxy policy, whose choice it replaces.
 */
export function sdkClientOptions(network: NetworkConfig) {
  return {
    retryOptions: SDK_RETRY_OPTIONS,
    additionalPolicies: [{ policy: networkPolicy(network), position: 'perRetry' as const }],
  };
}

/**
 * The Azure SDKs retry on their own; this policy makes each retry show in the log, as the REST calls' retries do.
 * It runs per attempt and sees the same request object each time. A resend after a 401 is Key Vault's challenge
 * handshake, not a retry, so only a resend after a throttle, a server error or a lost connection is logged.
 */
export function retryLogPolicy(log: (message: string) => void, service: string) {
  const seen = new WeakMap<object, { attempt: number; retryable: boolean }>();
  return {
    position: 'perRetry' as const,
    policy: {
      name: 'patLifecycleRetryLog',
      async sendRequest<T extends { status: number }>(request: { url: string; method: string }, next: (request: never) => Promise<T>): Promise<T> {
        const before = seen.get(request);
        const attempt = (before?.attempt ?? 0) + 1;
        if (before?.retryable) log(`${service}: retrying ${request.method} ${new URL(request.url).host} (attempt ${attempt}).`);
        try {
          const response = await next(request as never);
          seen.set(request, { attempt, retryable: response.status === 408 || response.status === 429 || response.status >= 500 });
          return response;
        } catch (err) {
          seen.set(request, { attempt, retryable: true });
          throw err;
        }
      },
    },
  };
}

/**
 * The credential with every token it returns registered as a secret first: @azure/identity obtains the Key Vault
 * bearer itself, and the SDK never tells anyone it is a secret, so a debug switch or an error that quotes a header
 * would otherwise print a token that reads the vault.
 */
export function secretRegistering(credential: TokenCredential, registerSecret: (value: string) => void): TokenCredential {
  return {
    async getToken(scopes, options) {
      const token = await credential.getToken(scopes, options);
      if (token?.token) registerSecret(token.token);
      return token;
    },
  };
}

export function identityClientOptions(authorityHost: string, network: NetworkConfig) {
  return {
    authorityHost,
    // The SDK's instance discovery asks login.microsoftonline.com about the authority; a private or sovereign
    // authority the public cloud does not know would fail that, so it is skipped for any non-Microsoft host.
    disableInstanceDiscovery: !isMicrosoftAuthorityHost(authorityHost),
    ...sdkClientOptions(network),
  };
}

export async function createAzureCredential(credential: AzureCredentialConfig, authorityHost: string, network: NetworkConfig): Promise<TokenCredential> {
  const common = identityClientOptions(authorityHost, network);

  switch (credential.scheme) {
    case 'ServicePrincipal':
      if (credential.certificatePem) {
        return new identity.ClientCertificateCredential(credential.tenantId, credential.clientId, { certificate: credential.certificatePem }, common);
      }
      if (!credential.clientSecret) {
        throw new PatLifecycleError('input', 'MissingServiceConnectionCredential', 'The Azure service connection has neither a client secret nor a certificate.', {
          input: 'azureSubscription',
          hint: 'Edit the service connection (Project settings > Service connections) and give it a secret or certificate, or use workload identity federation.',
        });
      }
      return new identity.ClientSecretCredential(credential.tenantId, credential.clientId, credential.clientSecret, common);
    case 'WorkloadIdentityFederation':
      // AzurePipelinesCredential reads the OIDC endpoint from the environment only. The task adapter exports it;
      // it is filled in here too when missing, so the CLI and tests behave the same.
      if (!process.env.SYSTEM_OIDCREQUESTURI) process.env.SYSTEM_OIDCREQUESTURI = credential.oidcRequestUri;
      return new identity.AzurePipelinesCredential(credential.tenantId, credential.clientId, credential.serviceConnectionId, credential.systemAccessToken, common);
    case 'ManagedServiceIdentity':
      // IMDS (169.254.169.254) and App Service identity endpoints are local to the machine: never through a proxy.
      return new identity.ManagedIdentityCredential({
        ...(credential.clientId ? { clientId: credential.clientId } : {}),
        retryOptions: SDK_RETRY_OPTIONS,
        agent: managedIdentityAgent(network),
      });
  }
}
