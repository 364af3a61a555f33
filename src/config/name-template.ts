/**
 * Bulk runs send each PAT to its own variable or secret: `{name}` in variableName/secretName stands for the PAT's
 * display name, made safe for that store's naming rules.
 */
import type { StoreTarget } from './types';

export const NAME_PLACEHOLDER = '{name}';

export function hasNamePlaceholder(template: string): boolean {
  return template.includes(NAME_PLACEHOLDER);
}

/** Variable names allow letters, digits, `.`, `_`, `-`: anything else becomes `_`. */
export function variableNameFor(template: string, displayName: string): string {
  return template.split(NAME_PLACEHOLDER).join(displayName.replace(/[^A-Za-z0-9._-]+/g, '_'));
}

/** Key Vault secret names allow letters, digits and `-`: anything else becomes `-`. */
export function secretNameFor(template: string, displayName: string): string {
  return template.split(NAME_PLACEHOLDER).join(displayName.replace(/[^0-9A-Za-z-]+/g, '-'));
}

/** The destination of one PAT, with `{name}` filled in. */
export function destinationFor(dest: StoreTarget, displayName: string): StoreTarget {
  switch (dest.kind) {
    case 'variableGroup':
      return { ...dest, variableName: variableNameFor(dest.variableName, displayName) };
    case 'keyVault':
      return { ...dest, secretName: secretNameFor(dest.secretName, displayName) };
    case 'serviceConnection':
      return { ...dest, connection: { ...dest.connection, nameOrId: serviceConnectionNameFor(dest.connection.nameOrId, displayName) } };
  }
}

/** Connection names take the display name as it is: the portal allows the characters display names use. */
export function serviceConnectionNameFor(template: string, displayName: string): string {
  return template.split(NAME_PLACEHOLDER).join(displayName);
}

/** The name (or template) of a destination's variable, secret or connection. */
export function destinationName(dest: StoreTarget): string {
  return dest.kind === 'variableGroup' ? dest.variableName : dest.kind === 'keyVault' ? dest.secretName : dest.connection.nameOrId;
}

/** Whether each PAT gets its own variable or secret (so the stores cannot be opened before the PAT's name is known). */
export function destinationUsesName(dests: readonly StoreTarget[]): boolean {
  return dests.some((d) => hasNamePlaceholder(destinationName(d)));
}
