/**
 * What @azure/msal-node gets for `import jwt from 'jsonwebtoken'` in the bundles (scripts/bundle-options.mjs
 * redirects that one import here; nothing else imports this module).
 *
 * Why: msal-node imports jsonwebtoken at the top of its client-assertion module, so every run would load and evaluate
 * jsonwebtoken and everything it pulls in (jws, jwa, semver 7, seven lodash packages), about 7 ms of each cold start.
 * But msal-node calls only `jwt.sign`, and only to sign a client assertion with a certificate (an app registration
 * with a certificate credential, or a Key Vault service connection with a certificate). Here the real package is
 * loaded on the first sign() call, so a run with a public app or a client secret never evaluates it.
 */
type Sign = (...args: unknown[]) => unknown;

let real: { sign: Sign } | undefined;

export function sign(...args: unknown[]): unknown {
  real ??= require('jsonwebtoken') as { sign: Sign };
  return real.sign(...args);
}

export default { sign };
