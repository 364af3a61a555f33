/** The app registration and the user's refresh token: what the Entra session needs, checked before it is spent. */
import type { EntraClientConfig } from './types';
import type { RawInputs } from './raw-inputs';
import type { Problems } from './problems';
import { expanded, guid, required, tenant, text } from './fields';
import { parseCertificateWithKey } from './certificate';

/** Legacy PAT: 52 characters of lower-case base32. */
const LEGACY_PAT = /^[a-z2-7]{52}$/;
/** Current PAT format: 84 alphanumerics with the `AZDO` signature. */
const NEW_PAT = /^[A-Za-z0-9]{84}$/;
const JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function parseEntraClient(p: Problems, raw: RawInputs, now: Date): EntraClientConfig | undefined {
  const tenantId = tenant(
    p,
    'tenantId',
    required(p, 'tenantId', expanded(p, 'tenantId', text(raw.input('tenantId'))), 'to sign in', 'give the directory (tenant) ID of the app registration that issued the refresh token'),
  );
  const clientId = guid(
    p,
    'clientId',
    required(p, 'clientId', expanded(p, 'clientId', text(raw.input('clientId'))), 'to sign in', 'give the application (client) ID of the app registration that issued the refresh token'),
    'application (client) ID',
  );
  const refreshToken = parseRefreshToken(p, expanded(p, 'refreshToken', text(raw.secretInput('refreshToken'))));
  const clientSecret = expanded(p, 'clientSecret', text(raw.secretInput('clientSecret')));
  const certificateText = expanded(p, 'clientCertificate', text(raw.secretInput('clientCertificate')));
  if (clientSecret !== undefined && certificateText !== undefined) {
    p.add('clientCertificate', 'is given together with clientSecret', 'give either clientSecret or clientCertificate, not both');
  }
  const clientCertificate = parseClientCertificate(p, 'clientCertificate', certificateText, now);
  if (tenantId === undefined || clientId === undefined || refreshToken === undefined) return undefined;
  return {
    tenantId,
    clientId,
    refreshToken,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...(clientCertificate ? { clientCertificate } : {}),
  };
}

/** The certificate and key (PEM), refused when unreadable or expired; `input` names where it came from. */
export function parseClientCertificate(p: Problems, input: string, certificateText: string | undefined, now: Date): EntraClientConfig['clientCertificate'] {
  if (certificateText === undefined) return undefined;
  const parsed = parseCertificateWithKey(certificateText);
  if (!parsed.ok) return p.add(input, parsed.problem, parsed.hint);
  if (parsed.value.validTo.getTime() < now.getTime()) {
    return p.add(input, `the certificate expired on ${parsed.value.validTo.toISOString()}`, 'upload a new certificate to the app registration and give it here');
  }
  const { certificatePem, privateKeyPem, thumbprintSha256 } = parsed.value;
  return { certificatePem, privateKeyPem, thumbprintSha256 };
}

/**
 * Catches the usual paste mistakes without ever quoting the value. `input` is where the token came from (the input, or
 * the sign-in connection); `fix` how to seed a good one there.
 */
export function parseRefreshToken(
  p: Problems,
  token: string | undefined,
  input = 'refreshToken',
  fix = 'seed a refresh token with `pat-lifecycle login` and reference its secret variable, e.g. $(PatLifecycle.RefreshToken)',
): string | undefined {
  if (token === undefined) {
    if (p.has(input)) return undefined;
    return p.add(input, 'is required', fix);
  }
  if (/\s/.test(token)) {
    return p.add(input, 'contains spaces or line breaks, so it was not copied whole', 'store the refresh token again with `pat-lifecycle login`');
  }
  if (LEGACY_PAT.test(token) || (NEW_PAT.test(token) && token.includes('AZDO'))) {
    return p.add(input, 'holds a personal access token, not a refresh token', 'the PAT Lifecycle API needs a Microsoft Entra sign-in: seed a refresh token with `pat-lifecycle login` and reference it here');
  }
  if (JWT.test(token)) {
    return p.add(input, 'holds an access token (a JWT), which expires within about an hour, not a refresh token', 'seed a refresh token with `pat-lifecycle login` (it requests offline_access) and reference it here');
  }
  return token;
}
