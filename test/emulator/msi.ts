import type { EmulatorCore, EmuRequest, EmuResponse } from './types';
import type { AccessTokens } from './tokens';
import type { EntraInternals } from './entra';
import { defineRoute } from './server';

export interface MsiControl {
  /**
   * A managed identity reachable through the App Service endpoint. `system: true` makes it the system-assigned one;
   * a request naming no identity gets that one, or the only identity there is.
   */
  addIdentity(opts?: { clientId?: string; system?: boolean }): { clientId: string; objectId: string };
}

interface Identity {
  clientId: string;
  objectId: string;
  system: boolean;
}

const API_VERSION = '2019-08-01';

/**
 * The App Service managed identity endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER), as msal-node's AppService source
 * calls it: GET ?api-version=2019-08-01&resource=…[&client_id=…|&object_id=…|&mi_res_id=…] with X-IDENTITY-HEADER.
 */
export function registerMsi(core: EmulatorCore, tokens: AccessTokens, entra: EntraInternals): void {
  const identities: Identity[] = [];

  const error = (status: number, message: string): EmuResponse => ({
    status,
    body: { statusCode: status, message, correlationId: core.newGuid() },
  });

  const handle = (req: EmuRequest): EmuResponse => {
    if (req.headers['x-identity-header'] !== core.urls().msiHeader) return error(401, 'The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.');
    if (req.query.get('api-version') !== API_VERSION) return error(400, `The api-version '${req.query.get('api-version') ?? ''}' is not supported; use ${API_VERSION}.`);
    const resource = req.query.get('resource');
    if (!resource) return error(400, "The 'resource' query parameter is required.");
    const audience = entra.audienceFor(resource.replace(/\/\.default$/, ''));
    if (!audience) return error(400, `AADSTS500011: The resource principal named ${resource} was not found in the tenant.`);
    const clientId = req.query.get('client_id');
    const objectId = req.query.get('object_id') ?? req.query.get('principal_id');
    const resId = req.query.get('mi_res_id');
    let identity: Identity | undefined;
    if (clientId) identity = identities.find((i) => i.clientId === clientId.toLowerCase());
    else if (objectId) identity = identities.find((i) => i.objectId === objectId.toLowerCase());
    else if (resId) identity = identities.find((i) => resId.toLowerCase().endsWith(`/${i.clientId}`));
    else identity = identities.find((i) => i.system) ?? (identities.length === 1 ? identities[0] : undefined);
    if (!identity) return error(400, 'No managed identity matches the request (no system-assigned identity, or unknown client_id/object_id).');
    const lifetime = 24 * 3600;
    const accessToken = tokens.issue(
      { kind: 'app', objectId: identity.objectId, appId: identity.clientId, tenantId: entra.defaultTenantId, audience },
      audience,
      lifetime,
    );
    return {
      status: 200,
      body: {
        access_token: accessToken,
        expires_on: String(Math.floor(core.clock.now() / 1000) + lifetime),
        resource,
        token_type: 'Bearer',
        client_id: identity.clientId,
      },
    };
  };

  core.addRoute(
    defineRoute({ service: 'msi', name: 'msi.token', method: 'GET', path: '/msi/token', host: (h) => !h.endsWith(`.${core.urls().vaultDnsSuffix}`), handle }),
  );

  const control: MsiControl = {
    addIdentity(opts = {}) {
      const identity: Identity = {
        clientId: (opts.clientId ?? core.newGuid()).toLowerCase(),
        objectId: core.newGuid(),
        system: opts.system ?? false,
      };
      if (identity.system && identities.some((i) => i.system)) throw new Error('there is already a system-assigned identity');
      identities.push(identity);
      return { clientId: identity.clientId, objectId: identity.objectId };
    },
  };
  core.extendControl('msi', control);
}
