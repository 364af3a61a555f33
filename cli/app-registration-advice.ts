/**
 * When sign-in fails because the app registration is set up wrong, say what to change in the Entra admin center,
 * in the words of its menus. Keyed on the AADSTS number (never on wording), from an MSAL error (`errorNo`, or
 * `AADSTSnnnn` in its message) or from the `error`/`error_description` Entra sent to the loopback redirect.
 *
 * Messages are built here from the code and the settings; text from Entra's response is never echoed back, so a
 * body that happened to carry a token or a code cannot reach the terminal through an error message.
 */

export interface AdviceContext {
  mode: 'browser' | 'deviceCode';
  /** A client secret was given: the registration is confidential (web). */
  confidential: boolean;
  clientId: string;
  tenantId: string;
  /** The loopback redirect URI of this attempt (browser sign-in). */
  redirectUri?: string;
}

export interface SignInFailure {
  /** `AADSTS50011`, or the OAuth/MSAL error code when there is no AADSTS number (`access_denied`, `network_error`). */
  code: string;
  /** One line: what went wrong. */
  summary: string;
  /** What to change, step by step; empty when there is nothing to change in the registration. */
  steps: string[];
}

const PORTAL = 'Entra admin center > App registrations >';
const REDIRECT_PUBLIC =
  `${PORTAL} your app > Authentication > Add a platform > "Mobile and desktop applications", custom redirect URI http://localhost ` +
  '(Entra accepts any port for loopback addresses, so do not add one).';
const REDIRECT_WEB = `${PORTAL} your app > Authentication > Add a platform > "Web", redirect URI http://localhost.`;
const NEVER_SPA =
  'Never register the redirect URI as "Single-page application": Entra issues SPA refresh tokens for a fixed 24 hours, ' +
  'redeemable only from a browser, so a pipeline cannot keep them alive.';
const ADD_PERMISSION =
  `${PORTAL} your app > API permissions > Add a permission > "APIs my organization uses" > Azure DevOps ` +
  '(499b84ac-1321-427f-aa17-267ca6975798) > Delegated permissions > user_impersonation.';
const ADMIN_CONSENT = `${PORTAL} your app > API permissions > "Grant admin consent for <your tenant>" (needs an administrator).`;
const PUBLIC_FLOWS = `${PORTAL} your app > Authentication > Advanced settings > "Allow public client flows" > Yes, then Save.`;

type AdviceBuilder = (ctx: AdviceContext) => { summary: string; steps: string[] };

const BY_AADSTS: Record<number, AdviceBuilder> = {
  50011: (ctx) => ({
    summary: `The redirect URI ${ctx.redirectUri ?? 'http://localhost:<port>'} does not match any redirect URI of the app registration.`,
    steps: [ctx.confidential ? REDIRECT_WEB : REDIRECT_PUBLIC, NEVER_SPA],
  }),
  500113: (ctx) => ({
    summary: 'The app registration has no redirect URI.',
    steps: [ctx.confidential ? REDIRECT_WEB : REDIRECT_PUBLIC, NEVER_SPA],
  }),
  9002326: () => ({
    summary: 'Entra treats the request as cross-origin, which only "Single-page application" redirect URIs allow.',
    steps: [`Move http://localhost from "Single-page application" to "Mobile and desktop applications": ${REDIRECT_PUBLIC}`, NEVER_SPA],
  }),
  9002327: () => ({
    summary: 'The redirect URI http://localhost is registered as "Single-page application"; its tokens cannot be redeemed here.',
    steps: [`Remove http://localhost from "Single-page application" and add it as: ${REDIRECT_PUBLIC}`, NEVER_SPA],
  }),
  700084: () => ({
    summary: 'The refresh token came from a "Single-page application" redirect URI and reached its fixed 24-hour lifetime.',
    steps: [`Register the redirect URI as a public client instead: ${REDIRECT_PUBLIC}`, NEVER_SPA],
  }),
  65001: () => ({
    summary: 'Nobody has consented to this app using Azure DevOps on your behalf.',
    steps: [ADD_PERMISSION, ADMIN_CONSENT],
  }),
  90094: () => ({
    summary: 'The app needs consent that only an administrator can give in this tenant.',
    steps: [ADMIN_CONSENT],
  }),
  90095: () => ({
    summary: 'The app needs administrator approval before users can sign in to it.',
    steps: [ADMIN_CONSENT],
  }),
  650057: () => ({
    summary: 'The app registration does not list Azure DevOps among its API permissions.',
    steps: [ADD_PERMISSION, ADMIN_CONSENT],
  }),
  70011: () => ({
    summary: 'Entra refused the requested scopes (Azure DevOps, offline_access).',
    steps: [ADD_PERMISSION, ADMIN_CONSENT],
  }),
  650052: () => ({
    summary: 'The tenant has no Azure DevOps service principal: Azure DevOps is not connected to this tenant.',
    steps: ['Use the tenant your Azure DevOps organization is connected to (Organization settings > Microsoft Entra).'],
  }),
  7000218: (ctx) =>
    ctx.mode === 'deviceCode'
      ? {
          summary: 'The app registration does not allow public client flows, which the device code sign-in is.',
          steps: [PUBLIC_FLOWS],
        }
      : {
          summary: 'Entra treats this app as confidential (its redirect URI is of type "Web"), so it wants a client secret.',
          steps: [
            `Either sign in as a public client: ${REDIRECT_PUBLIC}`,
            'Or keep the Web redirect URI and pass the secret: export it in an environment variable and add --client-secret-env VARNAME (the pipeline task then needs the same secret as clientSecret).',
          ],
        },
  700025: () => ({
    summary: 'The app is a public client, so it must not send a client secret.',
    steps: ['Drop --client-secret-env (and leave the task\'s clientSecret input empty).'],
  }),
  7000215: () => ({
    summary: 'The client secret is wrong.',
    steps: [`Use the secret's Value, not its Secret ID (${PORTAL} your app > Certificates & secrets).`],
  }),
  7000222: () => ({
    summary: 'The client secret has expired.',
    steps: [`${PORTAL} your app > Certificates & secrets > New client secret; update the task's clientSecret too.`],
  }),
  700016: (ctx) => ({
    summary: `No application with client id ${ctx.clientId} exists in tenant ${ctx.tenantId}.`,
    steps: ['Check --client-id (Application (client) ID on the Overview page) and --tenant-id (Directory (tenant) ID).'],
  }),
  90002: (ctx) => ({
    summary: `Tenant '${ctx.tenantId}' was not found.`,
    steps: ['Check --tenant-id: the Directory (tenant) ID on the app registration\'s Overview page.'],
  }),
  50020: () => ({
    summary: 'The account you signed in with does not belong to this tenant.',
    steps: ['Sign in with an account of the tenant, or have it invited as a guest.'],
  }),
  50105: () => ({
    summary: 'The app requires user assignment and your account is not assigned.',
    steps: ['Entra admin center > Enterprise applications > your app > Users and groups > Add user/group (or set "Assignment required?" to No).'],
  }),
  7000112: () => ({
    summary: 'The application is disabled.',
    steps: ['Entra admin center > Enterprise applications > your app > Properties > "Enabled for users to sign-in?" > Yes.'],
  }),
  53003: (ctx) => ({
    summary: 'A Conditional Access policy blocked the sign-in.',
    steps:
      ctx.mode === 'deviceCode'
        ? ['Policies often block the device code flow; try the browser sign-in (leave out --device-code), or ask your administrator which policy applies (sign-in logs).']
        : ['Ask your administrator which policy applies (Entra admin center > Sign-in logs > Conditional Access).'],
  }),
  53000: () => ({
    summary: 'Conditional Access requires a compliant device.',
    steps: ['Sign in with the browser on a managed, compliant device.'],
  }),
  53001: () => ({
    summary: 'Conditional Access requires a domain-joined device.',
    steps: ['Sign in with the browser on a domain-joined device.'],
  }),
  50076: () => ({ summary: 'Multi-factor authentication is required.', steps: ['Complete the MFA prompt in the browser; sign in again.'] }),
  50079: () => ({ summary: 'You need to register for multi-factor authentication.', steps: ['Register at https://aka.ms/mysecurityinfo, then sign in again.'] }),
  50126: () => ({ summary: 'Wrong user name or password.', steps: [] }),
  50053: () => ({ summary: 'The account is locked.', steps: [] }),
  50057: () => ({ summary: 'The account is disabled.', steps: [] }),
  70000: () => ({ summary: 'The sign-in code was rejected (expired or used already).', steps: ['Sign in again.'] }),
  54005: () => ({ summary: 'The authorization code was already redeemed.', steps: ['Sign in again.'] }),
  70019: () => ({ summary: 'The device code expired before the sign-in was completed.', steps: ['Run the command again and finish the sign-in within 15 minutes.'] }),
  70020: () => ({ summary: 'The device code expired before the sign-in was completed.', steps: ['Run the command again and finish the sign-in within 15 minutes.'] }),
  50148: () => ({ summary: 'The PKCE verifier did not match (a sign-in from another attempt reached this one).', steps: ['Sign in again.'] }),
  501481: () => ({ summary: 'The PKCE verifier did not match (a sign-in from another attempt reached this one).', steps: ['Sign in again.'] }),
};

/** OAuth `error` values without an AADSTS number. */
const BY_ERROR: Record<string, AdviceBuilder> = {
  access_denied: () => ({ summary: 'The sign-in was cancelled or consent was declined.', steps: ['Sign in again and accept the consent prompt, or ask an administrator to grant consent.'] }),
  consent_required: () => ({ summary: 'The app needs consent for Azure DevOps.', steps: [ADD_PERMISSION, ADMIN_CONSENT] }),
  user_timeout_reached: () => ({ summary: 'The device code sign-in was not completed in time.', steps: ['Run the command again (or raise --timeout).'] }),
  device_code_expired: () => ({ summary: 'The device code expired before the sign-in was completed.', steps: ['Run the command again and finish the sign-in within 15 minutes.'] }),
  expired_token: () => ({ summary: 'The device code expired before the sign-in was completed.', steps: ['Run the command again and finish the sign-in within 15 minutes.'] }),
  authorization_declined: () => ({ summary: 'The sign-in was declined.', steps: [] }),
  invalid_client: (ctx) =>
    ctx.confidential
      ? { summary: 'Entra refused the client secret.', steps: [`Check the secret's Value (${PORTAL} your app > Certificates & secrets).`] }
      : { summary: 'Entra refused the client.', steps: [`Check --client-id; for a Web redirect URI pass --client-secret-env, or ${REDIRECT_PUBLIC}`] },
  unauthorized_client: (ctx) =>
    ctx.mode === 'deviceCode'
      ? { summary: 'The app may not use the device code flow.', steps: [PUBLIC_FLOWS] }
      : { summary: 'The app may not use this sign-in flow.', steps: [REDIRECT_PUBLIC] },
  network_error: () => ({ summary: 'Could not reach Microsoft Entra ID.', steps: ['Check the network, the proxy (HTTPS_PROXY or --proxy) and --authority-host.'] }),
  endpoints_resolution_error: () => ({ summary: 'Could not reach Microsoft Entra ID (authority metadata).', steps: ['Check --tenant-id, --authority-host, the network and the proxy.'] }),
  state_mismatch: () => ({ summary: 'The redirect carried a different state than this sign-in sent (another sign-in, or a forged request).', steps: ['Sign in again.'] }),
  user_timeout: (ctx) => ({
    summary: 'The sign-in was not completed in time.',
    steps: [
      'Run the command again (or raise --timeout).',
      // Entra shows some refusals only in the browser and never redirects back; the commonest is the redirect URI.
      `If the browser showed AADSTS50011 (redirect URI mismatch): ${ctx.confidential ? REDIRECT_WEB : REDIRECT_PUBLIC} ${NEVER_SPA}`,
      'If it showed AADSTS700016: check --client-id and --tenant-id.',
    ],
  }),
};

interface ErrorLike {
  errorCode?: unknown;
  errorNo?: unknown;
  errorMessage?: unknown;
  subError?: unknown;
  message?: unknown;
}

/** Pulls the AADSTS number out of an MSAL error, an OAuth redirect error, or plain text. */
export function aadstsNumber(err: unknown): number | undefined {
  if (err && typeof err === 'object') {
    const e = err as ErrorLike;
    const no = e.errorNo;
    if ((typeof no === 'number' || typeof no === 'string') && /^\d+$/.test(String(no))) return Number(no);
    for (const text of [e.errorMessage, e.message]) {
      const n = typeof text === 'string' ? /AADSTS(\d+)/.exec(text) : null;
      if (n) return Number(n[1]);
    }
    return undefined;
  }
  const m = typeof err === 'string' ? /AADSTS(\d+)/.exec(err) : null;
  return m ? Number(m[1]) : undefined;
}

function oauthErrorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object') {
    const code = (err as ErrorLike).errorCode;
    if (typeof code === 'string' && code) return code;
  }
  return undefined;
}

/** What the user reads when sign-in fails: a summary and the registration changes that fix it. */
export function explainSignInFailure(err: unknown, ctx: AdviceContext): SignInFailure {
  const n = aadstsNumber(err);
  if (n !== undefined) {
    const builder = BY_AADSTS[n];
    if (builder) return { code: `AADSTS${n}`, ...builder(ctx) };
    return {
      code: `AADSTS${n}`,
      summary: `Microsoft Entra ID refused the sign-in (AADSTS${n}).`,
      steps: [`Look the code up at https://login.microsoftonline.com/error?code=${n}.`],
    };
  }
  const code = oauthErrorCode(err);
  if (code && BY_ERROR[code]) return { code, ...BY_ERROR[code](ctx) };
  return {
    code: code ?? 'SignInFailed',
    summary: code ? `The sign-in failed (${code}).` : 'The sign-in failed.',
    steps: [],
  };
}

export function formatSignInFailure(f: SignInFailure): string {
  const lines = [`${f.summary} [${f.code}]`];
  if (f.steps.length > 0) {
    lines.push('What to change:');
    for (const s of f.steps) lines.push(`  - ${s}`);
  }
  return lines.join('\n');
}
