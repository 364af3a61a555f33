/**
 * The agent's network settings (proxy, bypass list, extra CA) as one @azure/core-rest-pipeline policy, used by our
 * own pipeline (Azure DevOps, and Entra through MSAL) and added to every Azure SDK client (Key Vault, @azure/identity).
 *
 * It picks the connection for each request itself, so nothing from the environment reaches it: core-rest-pipeline's
 * own proxyPolicy, which every SDK client has, takes HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY from the
 * environment when no proxy is configured. Whatever agent that policy set, this one replaces, so a variable in the
 * environment can neither send the task's tokens through a proxy of its choosing nor take them past the agent's.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { proxyPolicy, type PipelinePolicy, type ProxySettings } from '@azure/core-rest-pipeline';
import type { NetworkConfig, ProxyConfig } from '../config/types';
import { trustedCaList } from './tls-trust';

/**
 * Idle pooled sockets are closed after this. Below the 5 s keep-alive timeout of Node servers and far below Azure's,
 * so a request is not written to a socket the server is closing at that moment (which would turn a POST into an
 * unknown outcome).
 */
const IDLE_SOCKET_MS = 4_000;

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

/**
 * core-rest-pipeline's settings for the agent's proxy. The policy writes user name and password into a URL as given
 * and the tunnel percent-decodes them from there, so they go in percent-encoded: a `%` or `\` in a password must
 * arrive as itself.
 */
export function proxySettings(proxy: ProxyConfig): ProxySettings {
  const url = new URL(proxy.url);
  const { username, password } = proxyCredentials(proxy);
  return {
    host: `${url.protocol}//${url.hostname}`,
    port: url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
    ...(username !== undefined ? { username: encodeURIComponent(username) } : {}),
    ...(password !== undefined ? { password: encodeURIComponent(password) } : {}),
  };
}

/**
 * The connection for @azure/identity's ManagedIdentityCredential, which replaces any additional policies with its own:
 * an agent of ours keeps the SDK's proxy policy (and so the environment's proxy) off its requests. The endpoint is
 * local to the machine (IMDS, or App Service's IDENTITY_ENDPOINT) and never goes through a proxy; plain http unless
 * the endpoint says https.
 */
export function managedIdentityAgent(network: NetworkConfig, env: NodeJS.ProcessEnv = process.env): http.Agent {
  const endpoint = env.IDENTITY_ENDPOINT ?? env.MSI_ENDPOINT ?? '';
  if (!endpoint.startsWith('https:')) return new http.Agent({ keepAlive: true });
  const ca = trustedCaList(network.caPem);
  return new https.Agent({ keepAlive: true, rejectUnauthorized: true, ...(ca ? { ca } : {}) });
}

export interface NetworkPolicy extends PipelinePolicy {
  /** Destroys pooled connections, so a command-line run can exit at once. */
  close(): void;
}

const policies = new WeakMap<NetworkConfig, NetworkPolicy>();

/** One policy (and so one connection pool) per network configuration, shared by every client of a run. */
export function networkPolicy(network: NetworkConfig): NetworkPolicy {
  let policy = policies.get(network);
  if (!policy) {
    policy = createNetworkPolicy(network);
    policies.set(network, policy);
  }
  return policy;
}

function createNetworkPolicy(network: NetworkConfig): NetworkPolicy {
  const ca = trustedCaList(network.caPem);
  // Passed with every request rather than set on an agent, so the origin's TLS behind a proxy tunnel gets it too. One
  // secure context for all: `ca` itself would parse Node's ~140 roots again per connection.
  const tls = { rejectUnauthorized: true, ...(ca ? { secureContext: createSecureContext({ ca }) } : {}) };
  const agents: http.Agent[] = [];
  const pooled = <A extends http.Agent>(agent: A): A => {
    // Node keeps a free socket until the server closes it; close it first.
    agent.on('free', (socket: Socket) => {
      if (!socket.destroyed) socket.setTimeout(IDLE_SOCKET_MS);
    });
    agents.push(agent);
    return agent;
  };
  let directHttp: http.Agent | undefined;
  let directHttps: https.Agent | undefined;
  // No environment in either: the settings come from Agent.ProxyUrl, and an empty custom list replaces NO_PROXY.
  const tunnel = network.proxy ? proxyPolicy(proxySettings(network.proxy), { customNoProxyList: [] }) : undefined;

  return {
    name: 'patLifecycleNetwork',
    async sendRequest(request, next) {
      const overrides = request.requestOverrides;
      request.requestOverrides = { ...overrides, ...tls };
      request.agent = undefined;
      try {
        if (tunnel && network.proxy && !isProxyBypassed(network.proxy, request.url)) return await tunnel.sendRequest(request, next);
        request.agent = request.url.startsWith('https:') ? (directHttps ??= pooled(new https.Agent({ keepAlive: true }))) : (directHttp ??= pooled(new http.Agent({ keepAlive: true })));
        return await next(request);
      } finally {
        // Off the request once the attempt is over: an SDK client's log policy prints the whole request on its next
        // attempt (a retry, Key Vault's challenge), and the tunnel agent holds the proxy URL with its credentials.
        request.agent = undefined;
        request.requestOverrides = overrides;
      }
    },
    close() {
      for (const agent of agents) agent.destroy();
      agents.length = 0;
      directHttp = directHttps = undefined;
    },
  };
}
