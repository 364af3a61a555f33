export { redeemRefreshToken, DEVOPS_SCOPES, type EntraSession, type RedeemOptions } from './redeem-refresh-token';
export { translateAadsts, AADSTS_TABLE, LOGIN_COMMAND } from './aadsts';
export { translateEntraFailure } from './entra-errors';
export { describeAuthority, isMicrosoftAuthorityHost, DEFAULT_AUTHORITY_HOST } from './authority';
