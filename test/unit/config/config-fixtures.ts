import { rawInputsFrom, type RawInputValues } from '../../../src/config/raw-inputs';
import { parseConfig } from '../../../src/config/parse-config';
import { InputErrors } from '../../../src/errors';
import type { Config } from '../../../src/config/types';

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const CLIENT = '11111111-2222-3333-4444-555555555555';
/** Shaped like an Entra refresh token (opaque, starts with `1.`); not a real one. */
export const REFRESH_TOKEN = '1.AXoA' + 'q'.repeat(300) + '-Zz_9';
export const NOW = new Date('2026-11-30T12:00:00Z');

export function baseInputs(): Record<string, string> {
  return {
    action: 'rotate',
    tenantId: TENANT,
    clientId: CLIENT,
    refreshToken: REFRESH_TOKEN,
    refreshTokenStore: 'none',
    displayName: 'feed-reader',
    target: 'variableGroup',
    variableGroup: 'Tokens',
    variableName: 'FeedPat',
  };
}

export function raw(overrides: Record<string, string | undefined> = {}, extra: Omit<RawInputValues, 'inputs'> = {}) {
  return rawInputsFrom({
    inputs: { ...baseInputs(), ...overrides },
    variables: { 'System.CollectionUri': 'https://dev.azure.com/contoso/', 'System.TeamProject': 'Proj', ...extra.variables },
    endpoints: extra.endpoints,
    files: extra.files,
  });
}

export function parse(overrides: Record<string, string | undefined> = {}, extra: Omit<RawInputValues, 'inputs'> = {}): Config {
  return parseConfig(raw(overrides, extra), NOW);
}

/** The input errors of a parse that must fail, as `input: message` lines. */
export function problems(overrides: Record<string, string | undefined> = {}, extra: Omit<RawInputValues, 'inputs'> = {}): string[] {
  try {
    parseConfig(raw(overrides, extra), NOW);
  } catch (err) {
    if (err instanceof InputErrors) return err.errors.map((e) => `${e.input}: ${e.message}${e.hint ? ` | ${e.hint}` : ''}`);
    throw err;
  }
  throw new Error('expected the inputs to be refused');
}
