/** The agent's proxy and extra CA, and the request timeout: the same network settings for every service the run calls. */
import { readFileSync } from 'node:fs';
import type { NetworkConfig, ProxyConfig } from './types';
import type { RawInputs } from './raw-inputs';
import type { Problems } from './problems';
import { expanded, integer, text } from './fields';

export const DEFAULT_TIMEOUT_SECONDS = 30;

export function parseNetwork(p: Problems, raw: RawInputs): NetworkConfig {
  const timeoutSeconds = parseTimeout(p, raw);
  const proxy = parseProxy(p, raw);
  const caPem = parseCaInfo(p, raw);
  return {
    timeoutMs: (timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    ...(proxy ? { proxy } : {}),
    ...(caPem ? { caPem } : {}),
  };
}

/** The variable wins over the input: the input always carries its default, the variable is a deliberate override. */
function parseTimeout(p: Problems, raw: RawInputs): number | undefined {
  const range = { min: 1, max: 600 };
  const hint = 'give a whole number of seconds between 1 and 600';
  const fromVariable = text(raw.variable('PatLifecycle.RequestTimeoutSeconds'));
  if (fromVariable !== undefined) return integer(p, 'PatLifecycle.RequestTimeoutSeconds', fromVariable, DEFAULT_TIMEOUT_SECONDS, range, hint);
  return integer(p, 'requestTimeoutSeconds', expanded(p, 'requestTimeoutSeconds', text(raw.input('requestTimeoutSeconds'))), DEFAULT_TIMEOUT_SECONDS, range, hint);
}

function parseProxy(p: Problems, raw: RawInputs): ProxyConfig | undefined {
  const url = text(raw.variable('Agent.ProxyUrl'));
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return p.add('Agent.ProxyUrl', `'${url}' is not a URL`, 'fix the agent proxy setting (./config.sh --proxyurl http://host:port)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return p.add('Agent.ProxyUrl', `'${url}' is not an http or https URL`, 'fix the agent proxy setting (./config.sh --proxyurl http://host:port)');
  }
  const bypass = parseBypassList(p, text(raw.variable('Agent.ProxyBypassList')));
  const username = text(raw.variable('Agent.ProxyUsername'));
  const password = raw.variable('Agent.ProxyPassword') || undefined;
  return {
    url: `${parsed.protocol}//${parsed.host}`,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    bypass,
  };
}

function parseBypassList(p: Problems, value: string | undefined): string[] {
  if (value === undefined) return [];
  const hint = 'the agent writes Agent.ProxyBypassList as a JSON array of regular expressions; fix the agent .proxybypass file';
  let list: unknown;
  try {
    list = JSON.parse(value);
  } catch {
    p.add('Agent.ProxyBypassList', 'is not a JSON array', hint);
    return [];
  }
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) {
    p.add('Agent.ProxyBypassList', 'is not a JSON array of strings', hint);
    return [];
  }
  const valid: string[] = [];
  for (const pattern of list as string[]) {
    try {
      new RegExp(pattern, 'i');
      valid.push(pattern);
    } catch {
      p.add('Agent.ProxyBypassList', `'${pattern}' is not a valid regular expression`, hint);
    }
  }
  return valid;
}

function parseCaInfo(p: Problems, raw: RawInputs): string | undefined {
  const path = text(raw.variable('Agent.CAInfo'));
  if (path === undefined) return undefined;
  let pem: string;
  try {
    pem = raw.readFile ? raw.readFile(path) : readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    return p.add('Agent.CAInfo', `the CA file '${path}' cannot be read (${code})`, 'fix the agent setting (./config.sh --sslcacert <file>) or make the file readable');
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    return p.add('Agent.CAInfo', `the CA file '${path}' holds no PEM certificate`, 'give the agent a PEM file of the CA certificates to trust');
  }
  return pem;
}
