import type { EmuRequest, EmuResponse } from './types';
import type { EntraRouting } from './entra';
import { aadstsBody, ENTRA_HEADERS } from './entra-errors';
import { jwk } from './tokens';

/**
 * What MSAL reads before it asks for a token: the tenant's OpenID configuration, instance discovery (aliases), the
 * token signing keys; plus the logout endpoint the configuration advertises.
 */
export function registerDiscovery(x: EntraRouting): void {
  const { resolveTenant, errorContext, base, entraRoute, tokens } = x;

  const openidConfiguration = (req: EmuRequest, p: Record<string, string>): EmuResponse => {
    const t = resolveTenant(p.tenant!);
    if (!t) {
      const { body } = aadstsBody(90002, errorContext(req), { tenant: p.tenant });
      return { status: 400, headers: { ...ENTRA_HEADERS }, body: { ...body, error: 'invalid_tenant' } };
    }
    const b = base();
    const seg = p.tenant!;
    const issuerTenant = t.any ? '{tenantid}' : t.tenant.tenantId;
    const host = new URL(b).host;
    return {
      status: 200,
      headers: { 'Cache-Control': 'max-age=86400, private' },
      body: {
        token_endpoint: `${b}/${seg}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${b}/${seg}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${b}/${issuerTenant}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: `${b}/oidc/userinfo`,
        authorization_endpoint: `${b}/${seg}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${b}/${seg}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${b}/${seg}/oauth2/v2.0/logout`,
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
        kerberos_endpoint: `${b}/${seg}/kerberos`,
        tenant_region_scope: 'EU',
        cloud_instance_name: host,
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      },
    };
  };
  entraRoute('entra.openidConfiguration', 'GET', '/:tenant/v2.0/.well-known/openid-configuration', (req, p) => openidConfiguration(req, p));

  const instanceDiscovery = (req: EmuRequest): EmuResponse => {
    const b = base();
    const host = new URL(b).host;
    let tenant = 'common';
    const ae = req.query.get('authorization_endpoint');
    if (ae) {
      try {
        tenant = new URL(ae).pathname.split('/').filter(Boolean)[0] ?? 'common';
      } catch {
        // keep `common`: Entra answers discovery for unparsable input with the common endpoint too
      }
    }
    return {
      status: 200,
      body: {
        tenant_discovery_endpoint: `${b}/${tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      },
    };
  };
  entraRoute('entra.instanceDiscovery', 'GET', '/common/discovery/instance', (req) => instanceDiscovery(req));
  entraRoute('entra.instanceDiscovery', 'GET', '/:tenant/discovery/instance', (req) => instanceDiscovery(req));

  const keys = (): EmuResponse => ({ status: 200, headers: { 'Cache-Control': 'max-age=86400, private' }, body: { keys: [jwk(tokens.key, `${base()}/{tenantid}/v2.0`)] } });
  entraRoute('entra.keys', 'GET', '/:tenant/discovery/v2.0/keys', () => keys());
  entraRoute('entra.keys', 'GET', '/:tenant/discovery/keys', () => keys());

  entraRoute('entra.logout', 'GET', '/:tenant/oauth2/v2.0/logout', (req): EmuResponse => {
    const to = req.query.get('post_logout_redirect_uri');
    return to
      ? { status: 302, headers: { Location: to }, body: null }
      : { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: '<html><body>You signed out of your account.</body></html>' };
  });

}
