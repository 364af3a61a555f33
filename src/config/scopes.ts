/**
 * PAT scope strings the PAT Lifecycle API knows (Microsoft Learn's "Available scopes" table for
 * Azure DevOps OAuth, and the securityDefinitions of the 7.1/7.2 REST specs in test/conformance/specs). Checking them here turns a typo into an input error that
 * names the scope, instead of an `invalidScope` from the service after the refresh token was already spent.
 */

export const FULL_ACCESS_SCOPE = 'app_token';

export const KNOWN_PAT_SCOPES: readonly string[] = [
  'vso.advsec', 'vso.advsec_write', 'vso.advsec_manage',
  'vso.agentpools', 'vso.agentpools_manage', 'vso.environment_manage',
  'vso.analytics', 'vso.auditlog', 'vso.auditstreams_manage',
  'vso.build', 'vso.build_execute',
  'vso.code', 'vso.code_write', 'vso.code_manage', 'vso.code_full', 'vso.code_status',
  'vso.connected_server', 'vso.entitlements',
  'vso.memberentitlementmanagement', 'vso.memberentitlementmanagement_write',
  'vso.extension', 'vso.extension_manage', 'vso.extension.data', 'vso.extension.data_write',
  'vso.githubconnections', 'vso.githubconnections_manage',
  'vso.graph', 'vso.graph_manage', 'vso.identity', 'vso.identity_manage',
  'vso.machinegroup_manage',
  'vso.gallery', 'vso.gallery_acquire', 'vso.gallery_publish', 'vso.gallery_manage',
  'vso.notification', 'vso.notification_write', 'vso.notification_manage', 'vso.notification_diagnostics',
  'vso.packaging', 'vso.packaging_write', 'vso.packaging_manage',
  'vso.pipelineresources_use', 'vso.pipelineresources_manage',
  'vso.project', 'vso.project_write', 'vso.project_manage',
  'vso.release', 'vso.release_execute', 'vso.release_manage',
  'vso.securefiles_read', 'vso.securefiles_write', 'vso.securefiles_manage',
  'vso.security_manage',
  'vso.serviceendpoint', 'vso.serviceendpoint_query', 'vso.serviceendpoint_manage',
  'vso.hooks', 'vso.hooks_write', 'vso.hooks_interact',
  'vso.settings', 'vso.settings_write',
  'vso.symbols', 'vso.symbols_write', 'vso.symbols_manage',
  'vso.taskgroups_read', 'vso.taskgroups_write', 'vso.taskgroups_manage',
  'vso.dashboards', 'vso.dashboards_manage',
  'vso.test', 'vso.test_write', 'vso.threads_full',
  'vso.tokens', 'vso.tokenadministration', 'vso.pats', 'vso.pats_manage',
  'vso.profile', 'vso.profile_write',
  'vso.variablegroups_read', 'vso.variablegroups_write', 'vso.variablegroups_manage',
  'vso.wiki', 'vso.wiki_write',
  'vso.work', 'vso.work_write', 'vso.work_full',
  FULL_ACCESS_SCOPE,
];

const KNOWN = new Set(KNOWN_PAT_SCOPES);

export type ScopeCheck =
  | { ok: true; scopes: string[] }
  | { ok: false; unknown: string[]; suggestions: Record<string, string> };

/**
 * Splits on spaces and commas, lower-cases, drops duplicates. The `vso.` prefix may be left out (`code_write`):
 * every scope but `app_token` has it, so adding it back cannot change the meaning.
 */
export function normalizeScopes(text: string): ScopeCheck {
  const scopes: string[] = [];
  const unknown: string[] = [];
  const suggestions: Record<string, string> = {};
  for (const word of text.split(/[\s,]+/).filter((w) => w.length > 0)) {
    const lower = word.toLowerCase();
    const scope = KNOWN.has(lower) ? lower : KNOWN.has(`vso.${lower}`) ? `vso.${lower}` : undefined;
    if (scope === undefined) {
      unknown.push(word);
      const near = nearestScope(lower);
      if (near) suggestions[word] = near;
    } else if (!scopes.includes(scope)) {
      scopes.push(scope);
    }
  }
  return unknown.length > 0 ? { ok: false, unknown, suggestions } : { ok: true, scopes };
}

export function splitScopeString(scope: string | null | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter((s) => s.length > 0);
}

export function hasFullAccess(scopes: readonly string[]): boolean {
  return scopes.includes(FULL_ACCESS_SCOPE);
}

/** Same set of scopes, whatever the order. */
export function sameScopes(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a.map((s) => s.toLowerCase()));
  const sb = new Set(b.map((s) => s.toLowerCase()));
  return sa.size === sb.size && [...sa].every((s) => sb.has(s));
}

/**
 * The known scope within three edits of the word, the first of the nearest. The word is measured as given and with
 * `vso.` added, since the prefix may be left out (`code_wrte`) but `app_token` has none (`app_tokn`).
 */
function nearestScope(word: string): string | undefined {
  const candidates = [word, `vso.${word}`];
  let best: string | undefined;
  let bestDistance = 4;
  for (const scope of KNOWN_PAT_SCOPES) {
    const d = Math.min(...candidates.map((c) => editDistance(c, scope)));
    if (d < bestDistance) {
      best = scope;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return row[b.length];
}
