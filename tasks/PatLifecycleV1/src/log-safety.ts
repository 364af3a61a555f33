/** What keeps the task's own log lines from leaking a secret or being read as a logging command. No task-lib here. */
import { secretForms } from '../../../src/secret-forms';

/** Every form of a secret the agent's masker must know (see secret-forms.ts). */
export function maskableParts(value: string): string[] {
  return secretForms(value);
}

/** Text from names we do not control (PAT names) must not be taken for a logging command. */
export function inert(text: string): string {
  return text.replace(/##(vso)?\[/gi, (m) => `#\u200b${m.slice(1)}`);
}
