/**
 * Device code sign-in (RFC 8628), for a machine without a browser: print Entra's instructions, let the user
 * finish on any other device, and poll until they do. The app registration must allow public client flows.
 */
import type { AuthenticationResult, DeviceCodeRequest } from '@azure/msal-node';
import { SignInError } from './browser-flow';
import type { Output } from './output';

export interface DeviceCodeClient {
  acquireTokenByDeviceCode(request: DeviceCodeRequest): Promise<AuthenticationResult | null>;
}

export interface DeviceCodeSignInOptions {
  app: DeviceCodeClient;
  scopes: string[];
  output: Output;
  /** Stop polling after this long; undefined: until the code expires (about 15 minutes). */
  timeoutMs?: number;
}

export async function signInWithDeviceCode(opts: DeviceCodeSignInOptions): Promise<AuthenticationResult> {
  const { app, scopes, output } = opts;
  const request: DeviceCodeRequest = {
    scopes,
    deviceCodeCallback: (response) => {
      // Entra's own instructions (URL and user code). The user code is short-lived and useless without the user's sign-in.
      output.info(response.message);
      output.info(`Waiting for the sign-in to finish (the code expires in ${Math.round(response.expiresIn / 60)} min)...`);
    },
  };
  if (opts.timeoutMs !== undefined) request.timeout = Math.max(1, Math.ceil(opts.timeoutMs / 1000));
  const result = await app.acquireTokenByDeviceCode(request);
  if (!result) throw new SignInError('expired_token', 'The device code sign-in ended without a token.');
  return result;
}
