// Child-process client: the device code flow with real @azure/msal-node. Prints {"userCode":…} as soon as Entra
// answers (the test approves it through the emulator's control), then the result as the last JSON line.
import { PublicClientApplication } from '@azure/msal-node';

const input = JSON.parse(process.env.CLIENT_INPUT!) as { authority: string; knownAuthorities: string[]; clientId: string; scopes: string[] };

async function main() {
  const app = new PublicClientApplication({ auth: { clientId: input.clientId, authority: input.authority, knownAuthorities: input.knownAuthorities } });
  try {
    const r = await app.acquireTokenByDeviceCode({
      scopes: input.scopes,
      deviceCodeCallback: (d) => console.log(JSON.stringify({ userCode: d.userCode, message: d.message, interval: d.interval, expiresIn: d.expiresIn })),
    });
    const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken?: Record<string, { secret: string }> };
    console.log(JSON.stringify({ ok: true, accessToken: r?.accessToken, username: r?.account?.username, refreshTokens: Object.values(cache.RefreshToken ?? {}).map((e) => e.secret) }));
  } catch (e) {
    const err = e as { name?: string; errorCode?: string; errorNo?: unknown; errorMessage?: string; message?: string };
    console.log(JSON.stringify({ ok: false, error: { name: err.name, errorCode: err.errorCode, errorNo: err.errorNo, message: err.errorMessage ?? err.message } }));
  }
}
void main();
