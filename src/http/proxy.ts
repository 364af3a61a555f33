/**
 * The agent's proxy settings applied the way the agent applies them, for both HTTP stacks the task uses:
 * our own (transport.ts: our requests and MSAL's) and @azure/core-rest-pipeline (Key Vault and @azure/identity).
 */
import type { NetworkConfig, ProxyConfig } from '../config/types';

/** `Agent.ProxyBypassList` entries are regexes tested against the whole request URL, case-insensitively. */
export function isProxyBypassed(proxy: ProxyConfig, url: string): boolean {
  return proxy.bypass.some((entry) => {
    try {
      return new RegExp(entry, 'i').test(url);
    } catch {
      // Config parsing rejects bad patterns; an unparsable entry here cannot match anything the agent would match.
      return false;
    }
  });
}

/** The proxy to use for this URL, or undefined to go direct. */
export function proxyFor(network: NetworkConfig, url: string): ProxyConfig | undefined {
  const proxy = network.proxy;
  if (!proxy || isProxyBypassed(proxy, url)) return undefined;
  return proxy;
}

/** User name and password from the config, else from the proxy URL's user info (percent-decoded). */
export function proxyCredentials(proxy: ProxyConfig): { username?: string; password?: string } {
  if (proxy.username !== undefined && proxy.username !== '') return { username: proxy.username, password: proxy.password };
  const url = new URL(proxy.url);
  if (url.username === '') return {};
  return { username: decodeURIComponent(url.username), password: url.password === '' ? undefined : decodeURIComponent(url.password) };
}

/** The proxy URL with any user info removed: credentials travel in a header, never inside a URL that might be printed. */
export function proxyUrlWithoutCredentials(proxy: ProxyConfig): string {
  const url = new URL(proxy.url);
  url.username = '';
  url.password = '';
  return url.toString();
}

/** `Proxy-Authorization` value, or undefined when the proxy needs no credentials. */
export function proxyAuthorizationHeader(proxy: ProxyConfig): string | undefined {
  const { username, password } = proxyCredentials(proxy);
  if (username === undefined) return undefined;
  return `Basic ${Buffer.from(`${username}:${password ?? ''}`, 'utf8').toString('base64')}`;
}

/** Same shape as @azure/core-rest-pipeline's ProxySettings, declared here so nothing loads the SDK to name a type. */
export interface AzureSdkProxyOptions {
  /** With the protocol: `http://proxy.contoso.com`. */
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/**
 * `proxyOptions` for an Azure SDK client talking to `url`; undefined when the URL bypasses the proxy
 * (the SDK client option has no bypass list of its own, so the decision is made here, per client).
 */
export function azureSdkProxyOptions(network: NetworkConfig, url: string): AzureSdkProxyOptions | undefined {
  const proxy = proxyFor(network, url);
  if (!proxy) return undefined;
  const parsed = new URL(proxy.url);
  const port = parsed.port !== '' ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
  const { username, password } = proxyCredentials(proxy);
  return {
    host: `${parsed.protocol}//${parsed.hostname}`,
    port,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}
