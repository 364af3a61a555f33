/** Every secret a Config carries, for the log masker: registered before the run prints anything about them. */
import type { Config, KeyVaultRef } from './types';
import { basicAuthForms } from '../secret-forms';

export function secretsOf(config: Config): string[] {
  const out = [
    config.entra.refreshToken,
    config.entra.clientSecret,
    config.entra.clientCertificate?.privateKeyPem,
    config.systemAccessToken,
    config.network.proxy?.password,
    // The Proxy-Authorization header a debug trace of the proxy agent could show.
    ...(config.network.proxy?.password ? basicAuthForms(config.network.proxy.username ?? '', config.network.proxy.password) : []),
    ...config.destinations.flatMap((d) => vaultSecrets(d.kind === 'keyVault' ? d.vault : undefined)),
    ...vaultSecrets(config.refreshTokenStore.kind === 'keyVault' ? config.refreshTokenStore.vault : undefined),
    // The sign-in connection's job-start token, when a later step signs in with the one an earlier step rolled.
    config.refreshTokenStore.kind === 'serviceConnection' ? config.refreshTokenStore.handover.key : undefined,
  ];
  return [...new Set(out.filter((s): s is string => typeof s === 'string' && s.length > 0))];
}

function vaultSecrets(vault: KeyVaultRef | undefined): (string | undefined)[] {
  if (!vault) return [];
  const c = vault.credential;
  if (c.scheme === 'ServicePrincipal') return [c.clientSecret, c.certificatePem];
  if (c.scheme === 'WorkloadIdentityFederation') return [c.systemAccessToken];
  return [];
}
