/**
 * Checks for single input values. Each returns the typed value, or records a problem and returns undefined;
 * messages quote the input's name and never its value when the input may hold a secret.
 */
import type { Problems } from './problems';

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A tenant's verified domain, e.g. `contoso.onmicrosoft.com`. */
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
/** `$(Some.Variable)` left as it is: the agent does that when the variable does not exist for this run. */
const UNEXPANDED_MACRO = /^\$\(([^)]+)\)$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

export function text(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

/** Refuses `$(Name)` left unexpanded: the variable it names is not defined for this run. */
export function expanded(p: Problems, input: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = UNEXPANDED_MACRO.exec(value);
  if (!m) return value;
  return p.add(
    input,
    `the value is the macro $(${m[1]}), which the pipeline left unexpanded: no variable named '${m[1]}' exists in this run`,
    `define the variable '${m[1]}' (or link the variable group that holds it to this pipeline), or check its spelling`,
  );
}

export function required(p: Problems, input: string, value: string | undefined, why: string, hint: string): string | undefined {
  // An input already refused (an unexpanded macro) gets one error, not a second "is required".
  if (value !== undefined || p.has(input)) return value;
  return p.add(input, `is required ${why}`, hint);
}

export function guid(p: Problems, input: string, value: string | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (GUID.test(value)) return value.toLowerCase();
  return p.add(input, `'${value}' is not a GUID`, `give the ${what}, a GUID like 00000000-0000-0000-0000-000000000000 (Entra admin center > App registrations > Overview)`);
}

/** A tenant is a GUID, a verified domain, or `organizations`/`common` (work or school accounts). */
export function tenant(p: Problems, input: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (GUID.test(value)) return value.toLowerCase();
  const lower = value.toLowerCase();
  if (lower === 'organizations' || lower === 'common') return lower;
  if (lower === 'consumers') {
    return p.add(input, `'consumers' signs in personal Microsoft accounts, which Azure DevOps PAT management does not accept`, 'give the directory (tenant) ID of your organization, a GUID');
  }
  if (DOMAIN.test(value)) return lower;
  return p.add(input, `'${value}' is neither a tenant ID (GUID) nor a domain like contoso.onmicrosoft.com`, 'give the directory (tenant) ID from Entra admin center > Overview');
}

export function integer(
  p: Problems,
  input: string,
  value: string | undefined,
  fallback: number,
  range: { min: number; max: number },
  hint: string,
): number | undefined {
  if (value === undefined) return fallback;
  if (!/^[+-]?\d+$/.test(value)) return p.add(input, `'${value}' is not a whole number`, hint);
  const n = Number(value);
  if (n < range.min || n > range.max) return p.add(input, `${n} is outside ${range.min}..${range.max}`, hint);
  return n;
}

export function boolean(p: Problems, input: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  p.add(input, `'${value}' is not true or false`, `set ${input} to true or false`);
  return fallback;
}

export function choice<T extends string>(p: Problems, input: string, value: string | undefined, options: readonly T[], fallback: T): T | undefined {
  if (value === undefined) return fallback;
  const found = options.find((o) => o.toLowerCase() === value.toLowerCase());
  if (found) return found;
  return p.add(input, `'${value}' is not one of ${options.join(', ')}`, `set ${input} to one of: ${options.join(', ')}`);
}

/** https URL without query or fragment; returned without a trailing slash. */
export function httpsUrl(p: Problems, input: string, value: string | undefined, hint: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return p.add(input, `'${value}' is not a URL`, hint);
  }
  if (url.protocol !== 'https:') return p.add(input, `'${value}' is not an https URL`, hint);
  if (url.search || url.hash || url.username || url.password) return p.add(input, `'${value}' must not carry a query, fragment or credentials`, hint);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** PAT display names: our limit is 256 characters (the service documents none); no control characters. */
export const DISPLAY_NAME_MAX = 256;

export function displayName(p: Problems, input: string, value: string): string | undefined {
  if (value.length > DISPLAY_NAME_MAX) {
    return p.add(input, `the name '${value.slice(0, 40)}…' is ${value.length} characters long`, `use at most ${DISPLAY_NAME_MAX} characters`);
  }
  if (CONTROL_CHARS.test(value)) return p.add(input, `the name '${printable(value)}' contains control characters`, 'use printable characters only');
  return value;
}

/**
 * Pipeline variable names (Azure DevOps: letters, digits, `.`, `_`; we also let `-` through, which variable groups
 * accept). The system's reserved prefixes are refused, since the agent would not pass such a variable on.
 */
const VARIABLE_NAME = /^[A-Za-z0-9._-]{1,256}$/;
const RESERVED_PREFIXES = ['endpoint', 'input', 'secret', 'path', 'securefile'];

export function variableName(p: Problems, input: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const probe = value.replace(/\{name\}/g, 'x');
  if (!VARIABLE_NAME.test(probe)) {
    return p.add(input, `'${printable(value)}' is not a valid variable name`, 'use letters, digits, `.`, `_` and `-` only (no spaces), at most 256 characters');
  }
  const lower = probe.toLowerCase();
  const reserved = RESERVED_PREFIXES.find((r) => lower.startsWith(r));
  if (reserved) return p.add(input, `'${value}' starts with '${reserved}', a prefix Azure Pipelines reserves`, 'choose a name that does not start with endpoint, input, secret, path or securefile');
  return value;
}

/** Key Vault secret names: 1-127 of `0-9a-zA-Z-`. */
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;

export function keyVaultSecretName(p: Problems, input: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (SECRET_NAME.test(value.replace(/\{name\}/g, 'x'))) return value;
  return p.add(input, `'${printable(value)}' is not a valid Key Vault secret name`, 'use 1-127 letters, digits and dashes (no dots, underscores or spaces)');
}

export function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
