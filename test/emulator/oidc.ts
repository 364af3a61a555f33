import { AZURE_DEVOPS_RESOURCE, type EmulatorCore, type EmuRequest, type EmuResponse } from './types';
import type { EntraInternals } from './entra';
import { createSigningKey, signJwt } from './tokens';
import { defineRoute, vssError } from './server';
import { SIGN_IN_PAGE } from './faults';

export interface ServiceConnection {
  org: string;
  project: string;
  projectId: string;
  id: string;
  name: string;
}

export interface OidcControl {
  /** A workload-identity service connection; returns what its Entra federated credential must name. */
  registerServiceConnection(sc: { org: string; project: string; projectId: string; id?: string; name: string }): { id: string; issuer: string; subject: string };
  /** The organization id that appears in the issuer (generated per org name unless set first). */
  orgId(org: string): string;
  setOrgId(org: string, id: string): void;
  /** The URL a job would find in SYSTEM_OIDCREQUESTURI. */
  oidcRequestUri(opts: { org: string; projectId: string; hub?: string; planId?: string; jobId?: string }): string;
}

const OIDC_AUDIENCE = 'api://AzureADTokenExchange';
const OIDC_LIFETIME_S = 15 * 60;

/**
 * Azure Pipelines' "Oidctoken - Create": a job exchanges its System.AccessToken for an OIDC token naming a service
 * connection, which Entra accepts as a federated client assertion. The issuer's key is trusted by the emulated Entra
 * directly (the real one fetches the issuer's JWKS).
 */
export function registerOidc(core: EmulatorCore, entra: EntraInternals): void {
  const key = createSigningKey();
  const orgIds = new Map<string, string>();
  const connections = new Map<string, ServiceConnection>();

  const orgId = (org: string) => {
    const k = org.toLowerCase();
    let id = orgIds.get(k);
    if (!id) {
      id = core.newGuid();
      orgIds.set(k, id);
      entra.trustIssuer(issuerOf(id), key.publicKey);
    }
    return id;
  };
  const issuerOf = (id: string) => `https://vstoken.dev.azure.com/${id}`;

  const handle = (req: EmuRequest, p: Record<string, string>): EmuResponse => {
    const auth = core.verifyBearer(req, AZURE_DEVOPS_RESOURCE);
    if (!auth.ok) {
      // Azure DevOps answers an unauthenticated API call with the sign-in page unless the client suppresses redirects.
      return req.headers['x-tfs-fedauthredirect']?.toLowerCase() === 'suppress'
        ? { status: 401, headers: { 'WWW-Authenticate': 'Bearer' }, body: vssError(401, 'TF400813: The user is not authorized to access this resource.', 'UnauthorizedRequestException').body }
        : { status: 203, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: SIGN_IN_PAGE };
    }
    const principal = auth.principal;
    if (principal.kind !== 'job' || principal.org.toLowerCase() !== p.org!.toLowerCase() || principal.projectId.toLowerCase() !== p.projectId!.toLowerCase()) {
      return vssError(403, 'TF400813: The user is not authorized to access this resource.', 'UnauthorizedRequestException');
    }
    const scId = req.query.get('serviceConnectionId');
    if (!scId) return vssError(400, "Value cannot be null.\r\nParameter name: serviceConnectionId", 'ArgumentNullException', 'System.ArgumentNullException, mscorlib', 0);
    const sc = connections.get(scId.toLowerCase());
    if (!sc || sc.org.toLowerCase() !== p.org!.toLowerCase() || sc.projectId.toLowerCase() !== p.projectId!.toLowerCase()) {
      return vssError(404, `Service connection with id '${scId}' not found or the caller does not have permissions to use it.`, 'ServiceEndpointNotFoundException', 'Microsoft.TeamFoundation.DistributedTask.WebApi.ServiceEndpointNotFoundException, Microsoft.TeamFoundation.DistributedTask.WebApi');
    }
    const iat = Math.floor(core.clock.now() / 1000);
    const oidcToken = signJwt(
      {
        jti: core.newGuid(),
        sub: subjectOf(sc),
        aud: OIDC_AUDIENCE,
        iss: issuerOf(orgId(sc.org)),
        iat,
        nbf: iat,
        exp: iat + OIDC_LIFETIME_S,
      },
      key,
    );
    core.recordSecret(oidcToken);
    return { status: 200, body: { oidcToken } };
  };

  core.addRoute(
    defineRoute({
      service: 'oidc',
      name: 'oidc.token',
      method: 'POST',
      path: '/:org/:projectId/_apis/distributedtask/hubs/:hub/plans/:planId/jobs/:jobId/oidctoken',
      caseInsensitive: true,
      host: (h) => !h.endsWith(`.${core.urls().vaultDnsSuffix}`),
      handle,
    }),
  );

  const control: OidcControl = {
    registerServiceConnection(input) {
      const sc: ServiceConnection = { ...input, id: (input.id ?? core.newGuid()).toLowerCase() };
      connections.set(sc.id, sc);
      return { id: sc.id, issuer: issuerOf(orgId(sc.org)), subject: subjectOf(sc) };
    },
    orgId,
    setOrgId(org, id) {
      if (orgIds.has(org.toLowerCase())) throw new Error(`org ${org} already has an id`);
      orgIds.set(org.toLowerCase(), id);
      entra.trustIssuer(issuerOf(id), key.publicKey);
    },
    oidcRequestUri({ org, projectId, hub = 'build', planId = core.newGuid(), jobId = core.newGuid() }) {
      return `${core.urls().devops}/${org}/${projectId}/_apis/distributedtask/hubs/${hub}/plans/${planId}/jobs/${jobId}/oidctoken`;
    },
  };
  core.extendControl('oidc', control);
}

function subjectOf(sc: ServiceConnection): string {
  return `sc://${sc.org}/${sc.project}/${sc.name}`;
}
