/**
 * The sign-in from a PAT Lifecycle sign-in service connection (input `signInConnection`, endpoint type
 * `patlifecycle-signin`): tenant, client, optional client secret or certificate, and the refresh token, as the agent
 * hands the connection to the step (ENDPOINT_URL_/ENDPOINT_AUTH_<id>). An alternative to the tenantId, clientId,
 * refreshToken, clientSecret and clientCertificate inputs, never combined with them.
 *
 * The connection's URL is the Entra authority: it decides where the refresh token goes, so it is held to the same
 * hosts as the PatLifecycle.AuthorityHost override (config/service-hosts.ts). A later step of the same job signs in
 * with the token an earlier step rolled, taken from the sealed job variable (config/sign-in-handover.ts).
 */
import type { EntraClientConfig, ServiceConnectionRef, SignInHandover } from './types';
import type { RawInputs } from './raw-inputs';
import type { Problems } from './problems';
import { expanded, guid, tenant, text } from './fields';
import { parseClientCertificate, parseRefreshToken } from './entra-client';
import { disallowedHostProblem } from './service-hosts';
import { handoverVariableName, openHandover } from './sign-in-handover';

export const SIGN_IN_INPUT = 'signInConnection';
/** The endpoint type the extension contributes (vss-extension.json). */
export const SIGN_IN_ENDPOINT_TYPE = 'patlifecycle-signin';
/**
 * The same type in a dev package (`scripts/package.mjs --dev`): an organization with the dev and the released
 * extension installed would otherwise get one endpoint type from both.
 */
export const SIGN_IN_ENDPOINT_TYPE_DEV = `${SIGN_IN_ENDPOINT_TYPE}-dev`;

export function isSignInEndpointType(type: string): boolean {
  const t = type.toLowerCase();
  return t === SIGN_IN_ENDPOINT_TYPE || t === SIGN_IN_ENDPOINT_TYPE_DEV;
}
/** Its one authentication scheme (`ms.vss-endpoint.endpoint-auth-scheme-none` with the type's own inputs). */
export const SIGN_IN_SCHEME = 'None';
/** The connection's authorization parameters, lower case as the task reads them. */
export const SIGN_IN_PARAMETERS = { tenantId: 'tenantid', clientId: 'clientid', refreshToken: 'refreshtoken', clientSecret: 'clientsecret', clientCertificate: 'clientcertificate' } as const;
/** The inputs a sign-in connection replaces. */
export const DIRECT_SIGN_IN_INPUTS = ['tenantId', 'clientId', 'refreshToken', 'clientSecret', 'clientCertificate'] as const;

export interface SignInFromConnection {
  entra: EntraClientConfig;
  /** `https://login.microsoftonline.com`: the connection's URL, already checked. */
  authorityHost: string;
  connection: ServiceConnectionRef;
  handover: SignInHandover;
}

/** Whether the step signs in through a connection (the input is set at all). */
export function usesSignInConnection(raw: RawInputs): boolean {
  return text(raw.input(SIGN_IN_INPUT)) !== undefined;
}

export function parseSignInConnection(p: Problems, raw: RawInputs, now: Date): SignInFromConnection | undefined {
  const id = expanded(p, SIGN_IN_INPUT, text(raw.input(SIGN_IN_INPUT)));
  const direct = DIRECT_SIGN_IN_INPUTS.filter((name) => text(name === 'tenantId' || name === 'clientId' ? raw.input(name) : raw.secretInput(name)) !== undefined);
  if (direct.length > 0) {
    p.add(
      SIGN_IN_INPUT,
      `is set together with ${direct.join(', ')}: the sign-in comes either from the service connection or from those inputs, never from both`,
      `remove ${direct.join(', ')} from the step (the connection holds the tenant, the client, its secret or certificate and the refresh token), or remove ${SIGN_IN_INPUT} to sign in with the inputs`,
    );
  }
  if (id === undefined) return undefined;
  const endpoint = raw.endpoint(id);
  const where = `the service connection ${SIGN_IN_INPUT} names (${id})`;
  if (!endpoint) {
    return p.add(
      SIGN_IN_INPUT,
      `names ${id}, but the agent handed this step no such service connection`,
      `give the name of a service connection of type 'PAT Lifecycle sign-in' in this project, and authorize this pipeline to use it (Project settings > Service connections > Security); create one with \`pat-lifecycle login --service-connection NAME\``,
    );
  }
  const project = text(raw.variable('System.TeamProject'));
  if (project === undefined) {
    p.add(SIGN_IN_INPUT, 'needs the project of the service connection, but System.TeamProject is not set', 'run the task in a pipeline of the project that owns the connection');
  }
  if (endpoint.scheme !== undefined && endpoint.scheme.toLowerCase() !== SIGN_IN_SCHEME.toLowerCase()) {
    p.add(SIGN_IN_INPUT, `${where} has the authorization scheme '${endpoint.scheme}', not the PAT Lifecycle sign-in's`, `choose a service connection of type 'PAT Lifecycle sign-in', created by \`pat-lifecycle login --service-connection NAME\``);
    return undefined;
  }
  const authorityHost = authorityOf(p, endpoint.url, where);
  const auth = endpoint.auth;
  const fix = `seed the connection again: \`pat-lifecycle login --service-connection NAME\``;
  const tenantId = tenant(p, SIGN_IN_INPUT, requiredParameter(p, auth[SIGN_IN_PARAMETERS.tenantId], `${where} has no tenant ID`, fix));
  const clientId = guid(p, SIGN_IN_INPUT, requiredParameter(p, auth[SIGN_IN_PARAMETERS.clientId], `${where} has no client ID`, fix), 'application (client) ID');
  const clientSecret = text(auth[SIGN_IN_PARAMETERS.clientSecret]);
  const certificateText = text(auth[SIGN_IN_PARAMETERS.clientCertificate]);
  if (clientSecret !== undefined && certificateText !== undefined) {
    p.add(SIGN_IN_INPUT, `${where} holds both a client secret and a client certificate`, 'edit the connection and clear one of them');
  }
  const clientCertificate = parseClientCertificate(p, SIGN_IN_INPUT, certificateText, now);
  const jobStartToken = text(auth[SIGN_IN_PARAMETERS.refreshToken]);
  const handover: SignInHandover | undefined = jobStartToken ? { variable: handoverVariableName(id), key: jobStartToken, connectionId: id.toLowerCase() } : undefined;
  const refreshToken = parseRefreshToken(p, handover ? handedOver(p, raw, handover) : undefined, SIGN_IN_INPUT, fix);
  if (tenantId === undefined || clientId === undefined || refreshToken === undefined || authorityHost === undefined || project === undefined || !handover) return undefined;
  return {
    entra: { tenantId, clientId, refreshToken, ...(clientSecret !== undefined ? { clientSecret } : {}), ...(clientCertificate ? { clientCertificate } : {}) },
    authorityHost,
    connection: { project, nameOrId: id.toLowerCase() },
    handover,
  };
}

/**
 * The token to redeem: the one an earlier step of this job rolled (sealed job variable), else the one the connection
 * held at job start. A variable without this connection's seal was set by something else and stops the run.
 */
function handedOver(p: Problems, raw: RawInputs, handover: SignInHandover): string | undefined {
  const sealed = text(raw.variable(handover.variable));
  if (sealed === undefined) return handover.key;
  const token = openHandover(handover.key, handover.connectionId, sealed);
  if (token !== undefined) return token;
  return p.add(
    SIGN_IN_INPUT,
    `the job variable ${handover.variable} is set, but not by this task for this connection (its seal does not match): an earlier step of the job set it`,
    `remove whatever sets ${handover.variable} (only PatLifecycle@1 may: it hands the renewed refresh token to the next step of the job); the task refuses to sign in with a token it cannot trust`,
  );
}

function requiredParameter(p: Problems, value: string | undefined, message: string, hint: string): string | undefined {
  const v = text(value);
  if (v === undefined) p.add(SIGN_IN_INPUT, message, hint);
  return v;
}

/** The connection's URL as an authority host (origin only), or a problem when it is no Microsoft Entra sign-in host. */
function authorityOf(p: Problems, url: string | undefined, where: string): string | undefined {
  const hint = 'edit the connection and set its URL to your cloud\'s Microsoft Entra sign-in host, e.g. https://login.microsoftonline.com/';
  if (url === undefined) return p.add(SIGN_IN_INPUT, `${where} has no URL`, hint);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return p.add(SIGN_IN_INPUT, `${where} has the URL '${url}', which is not a URL`, hint);
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password || parsed.search || parsed.hash || parsed.pathname !== '/') {
    return p.add(SIGN_IN_INPUT, `${where} has the URL '${parsed.origin}${parsed.pathname}', not an https host alone`, hint);
  }
  const refused = disallowedHostProblem('authority', parsed.origin);
  if (refused) return p.add(SIGN_IN_INPUT, `${where}: ${refused.message}`, `edit the connection's URL, or ${refused.hint}`);
  return parsed.origin;
}
