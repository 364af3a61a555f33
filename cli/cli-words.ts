/**
 * The core's messages name task inputs and pipeline variables (`Input 'patName'`, `System.TeamProject`), the words of a
 * pipeline. `pat-lifecycle run` takes the same settings as flags and environment variables, so its errors are told in
 * those: `--pat-name`, `--project`, `--refresh-token-env`. Only names are rewritten, never what a message says.
 */
import taskJson from '../tasks/PatLifecycleV1/task.json';

interface TaskInput {
  name: string;
  type: string;
  aliases?: string[];
  options?: Record<string, string>;
}

const INPUTS = (taskJson as { inputs: TaskInput[] }).inputs;

export const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Secrets are never flag values: the flag names the environment variable that holds them (cli/run-command.ts). */
const SECRET_FLAGS: Record<string, string> = {
  refreshToken: '--refresh-token-env',
  clientSecret: '--client-secret-env',
  clientCertificate: '--client-certificate-env',
};

/** Pipeline variables `run` takes as flags or environment variables. */
const VARIABLE_WORDS: Record<string, string> = {
  'System.TeamProject': '--project',
  'PatLifecycle.AuthorityHost': '--authority-host (PATLIFECYCLE_AUTHORITYHOST)',
  'PatLifecycle.VsspsUrl': '--vssps-url (PATLIFECYCLE_VSSPSURL)',
  'PatLifecycle.DevOpsUrl': '--devops-url (PATLIFECYCLE_DEVOPSURL)',
  'Agent.ProxyUrl': '--proxy (HTTPS_PROXY)',
};

/** The flag of every input and alias. */
const FLAGS = new Map<string, string>();
for (const input of INPUTS) {
  const flag = SECRET_FLAGS[input.name] ?? `--${kebab(input.name)}`;
  FLAGS.set(input.name, flag);
  for (const alias of input.aliases ?? []) FLAGS.set(alias, flag);
}
/** Key Vault is reached with a service principal from the environment, not a flag (cli/run-command.ts). */
FLAGS.set('azureSubscription', 'AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (the service principal Key Vault is reached with)');

/** Pick-list values that are also input names (`target is 'variableGroup'`): written as they are, values. */
const VALUES = new Set(INPUTS.flatMap((i) => Object.keys(i.options ?? {})));

const flagFor = (name: string) => FLAGS.get(name) ?? FLAGS.get(name.charAt(0).toLowerCase() + name.slice(1));

/** A core message in the CLI's words. */
export function cliWords(text: string): string {
  return (
    text
      // `Input 'patName': is required` -> `--pat-name is required`
      .replace(/\bInput '([A-Za-z]+)':\s*/g, (whole, name: string) => {
        const flag = flagFor(name);
        return flag ? `${flag} ` : whole;
      })
      // `when target is 'keyVault'`, `set target to` -> `--target`
      .replace(/\b([a-z][A-Za-z]*)(?= is '| to one of| to true or false| is not set| is set)/g, (whole, name: string) => (FLAGS.has(name) ? FLAGS.get(name)! : whole))
      // `the refreshToken input` -> `--refresh-token-env`
      .replace(/\bthe ([a-z][A-Za-z]*) input\b/g, (whole, name: string) => (FLAGS.has(name) ? FLAGS.get(name)! : whole))
      // Bare camelCase input names (`give patName or authorizationId`); a value such as variableGroup stays a value.
      .replace(/(?<![-'.\w])([a-z]+[A-Z][A-Za-z]*)\b(?![.(])/g, (whole, name: string) => (FLAGS.has(name) && !VALUES.has(name) ? FLAGS.get(name)! : whole))
      .replace(/\b(System\.TeamProject|PatLifecycle\.AuthorityHost|PatLifecycle\.VsspsUrl|PatLifecycle\.DevOpsUrl|Agent\.ProxyUrl)\b/g, (name: string) => VARIABLE_WORDS[name]!)
  );
}
