/**
 * The raw strings a run starts from, whoever supplies them: the pipeline task (task-lib), the command-line tool
 * (flags) or a test (a plain object). `parseConfig` reads only through this interface, so it never knows which.
 */

export interface EndpointInfo {
  url?: string;
  /** Authorization scheme as the connection states it (`ServicePrincipal`, `WorkloadIdentityFederation`, ...). */
  scheme?: string;
  /** Authorization parameters, keys lower-cased (`serviceprincipalid`, `tenantid`, `accesstoken`, ...). */
  auth: Record<string, string>;
  /** Endpoint data, keys lower-cased (`activedirectoryauthority`, `azurekeyvaultdnssuffix`, ...). */
  data: Record<string, string>;
}

export interface RawInputs {
  /** A task input by its YAML name; undefined or '' when not given. */
  input(name: string): string | undefined;
  /** A task input that carries a secret; read without any echo to the log. */
  secretInput(name: string): string | undefined;
  /** A pipeline variable by its dotted name (`System.CollectionUri`, `PatLifecycle.AuthorityHost`). */
  variable(name: string): string | undefined;
  /** A service connection by id (`SYSTEMVSSCONNECTION` for the job's own). */
  endpoint(id: string): EndpointInfo | undefined;
  /** Reads a text file named by a variable (`Agent.CAInfo`); defaults to the file system. */
  readFile?(path: string): string;
}

export interface RawInputValues {
  inputs?: Record<string, string | number | boolean | undefined>;
  variables?: Record<string, string | undefined>;
  endpoints?: Record<string, { url?: string; scheme?: string; auth?: Record<string, string>; data?: Record<string, string> }>;
  files?: Record<string, string>;
}

/** RawInputs over plain objects: for the command-line tool and for tests. Names match case-insensitively, as on the agent. */
export function rawInputsFrom(values: RawInputValues): RawInputs {
  const lookup = <T>(map: Record<string, T> | undefined, name: string): T | undefined => {
    if (!map) return undefined;
    const key = variableKey(name);
    for (const [k, v] of Object.entries(map)) if (variableKey(k) === key) return v;
    return undefined;
  };
  const input = (name: string) => {
    const v = lookup(values.inputs, name);
    return v === undefined ? undefined : String(v);
  };
  return {
    input,
    secretInput: input,
    variable: (name) => lookup(values.variables, name),
    endpoint: (id) => {
      const e = lookup(values.endpoints, id);
      if (!e) return undefined;
      return { url: e.url, scheme: e.scheme, auth: lowerKeys(e.auth ?? {}), data: lowerKeys(e.data ?? {}) };
    },
    readFile: values.files
      ? (path) => {
          const text = values.files?.[path];
          if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file '${path}'`), { code: 'ENOENT' });
          return text;
        }
      : undefined,
  };
}

/** The agent's environment-variable form of a name: `.` and space become `_`, upper case. */
export function variableKey(name: string): string {
  return name.replace(/\./g, '_').replace(/ /g, '_').toUpperCase();
}

export function lowerKeys(map: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map)) out[k.toLowerCase()] = v;
  return out;
}
