/**
 * Sign-in: the refresh token redeems. A redeem is a read as far as the stored token is concerned: Entra issues a new
 * refresh token and the one presented stays valid until its own lifetime ends, so check does not save the new one
 * and the next run reads the saved token as before. (It does not renew the sign-in either: that is rotate's job.)
 */
import type { EntraSession } from '../entra/redeem-refresh-token';
import { missingFrom, ok, type CheckDeps, type CheckLine } from './types';

export const SIGN_IN = 'Sign-in';

export async function checkSignIn(deps: CheckDeps): Promise<{ line: CheckLine; session?: EntraSession }> {
  const { entra } = deps.config;
  try {
    const session = await deps.redeem();
    const who = session.account?.username ? `as ${session.account.username}` : 'as the user of the refresh token';
    const renewed = session.rolledRefreshToken
      ? 'Entra issued a new refresh token, which check does not save: the saved one stays valid, and check does not renew the sign-in'
      : 'Entra issued no new refresh token';
    return { line: ok(SIGN_IN, `signed in ${who} (tenant ${entra.tenantId}, app ${entra.clientId}); ${renewed}.`), session };
  } catch (err) {
    return { line: missingFrom(SIGN_IN, err, deps.explain) };
  }
}
