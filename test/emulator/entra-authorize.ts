import { randomBytes } from 'node:crypto';
import type { EmulatorUser, EmuRequest, EmuResponse } from './types';
import type { App, EntraRouting } from './entra';
import { AadstsError, aadstsBody, type AadstsVars } from './entra-errors';
import { MINUTE } from './clock';
import { b64url } from './tokens';
import { defineRoute } from './server';

const AUTH_CODE_LIFETIME_MS = 10 * MINUTE;

/**
 * GET /{tenant}/oauth2/v2.0/authorize: the browser leg of the authorization code flow. The emulated user signs in at
 * once and the browser is sent back to the app's redirect URI with a code (or an OAuth error).
 */
export function registerAuthorize(x: EntraRouting): void {
  const { core, isEntraHost, errorContext, resolveTenant, apps, parseScopes, codes } = x;
  const clock = core.clock;

  core.addRoute(
    defineRoute({ service: 'entra', name: 'entra.authorize', method: 'GET', path: '/:tenant/oauth2/v2.0/authorize', host: isEntraHost, handle: (req, p) => authorize(req, p.tenant!) }),
  );

  const authorize = (req: EmuRequest, tenantSegment: string): EmuResponse => {
    const q = req.query;
    const ctx = errorContext(req);
    const page = (code: number, vars: AadstsVars): EmuResponse => {
      const { body } = aadstsBody(code, ctx, vars);
      return {
        status: 400,
        headers: { 'Content-Type': 'text/html; charset=utf-8' },
        body: `<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body><div id="error">${escapeHtml(String(body.error_description))}</div></body></html>`,
      };
    };
    const t = resolveTenant(tenantSegment);
    if (!t) return page(90002, { tenant: tenantSegment });
    const clientId = q.get('client_id') ?? '';
    const app = apps.get(clientId.toLowerCase());
    if (!app || (!t.any && t.tenant.tenantId !== app.tenantId)) return page(700016, { clientId, tenant: tenantSegment });
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!redirectAllowed(app, redirectUri)) return page(50011, { redirectUri, clientId });
    const state = q.get('state');
    const mode = q.get('response_mode') ?? 'query';
    const reply = (params: Record<string, string>): EmuResponse => {
      if (state !== null) params.state = state;
      if (mode === 'form_post') {
        const inputs = Object.entries(params)
          .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}"/>`)
          .join('');
        return {
          status: 200,
          headers: { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' },
          body: `<html><body onload="document.forms[0].submit()"><form method="POST" action="${escapeHtml(redirectUri)}">${inputs}</form></body></html>`,
        };
      }
      const qs = new URLSearchParams(params).toString();
      const location = mode === 'fragment' ? `${redirectUri}#${qs}` : `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${qs}`;
      return { status: 302, headers: { Location: location, 'Cache-Control': 'no-store' }, body: null };
    };
    const fail = (code: number, vars: AadstsVars = {}, error?: string) => {
      const { body } = aadstsBody(code, ctx, vars);
      return reply({
        error: error ?? String(body.error),
        error_description: String(body.error_description),
        error_uri: String(body.error_uri),
        ...(body.suberror ? { error_subcode: String(body.suberror) } : {}),
      });
    };
    if (q.get('response_type') !== 'code') return reply({ error: 'unsupported_response_type', error_description: 'AADSTS70005: response_type \'' + (q.get('response_type') ?? '') + "' is not enabled for the client." });
    const scope = q.get('scope');
    if (!scope) return fail(900144, { parameter: 'scope' });
    try {
      parseScopes(scope, tenantSegment);
    } catch (e) {
      if (e instanceof AadstsError) return fail(e.code, e.vars);
      throw e;
    }
    const challenge = q.get('code_challenge') ?? undefined;
    const method = q.get('code_challenge_method') ?? (challenge ? 'plain' : undefined);
    if (challenge && method !== 'S256' && method !== 'plain') return reply({ error: 'invalid_request', error_description: 'AADSTS501491: Invalid code_challenge_method.' });
    if (!challenge && app.kind === 'spa') return fail(9002325);
    if (!app.consented) return fail(65001, { clientId: app.clientId, appName: app.displayName }, 'consent_required');
    const user = pickBrowserUser(q.get('login_hint'), t.any ? undefined : t.tenant.tenantId);
    if (!user) return fail(50058, {}, 'login_required');
    if (!t.any && user.tenantId !== t.tenant.tenantId) return fail(50020, { upn: user.upn, tenant: tenantSegment, clientId: app.clientId });
    const code = `1.A${b64url(randomBytes(96))}`;
    codes.set(code, {
      clientId: app.clientId,
      userId: user.userId,
      tenantId: user.tenantId,
      redirectUri,
      scope,
      challenge,
      method,
      nonce: q.get('nonce') ?? undefined,
      expiresAt: clock.now() + AUTH_CODE_LIFETIME_MS,
      redeemed: false,
    });
    core.recordSecret(code);
    return reply({ code, ...(q.get('client_info') === '1' ? { client_info: b64url(JSON.stringify({ uid: user.userId, utid: user.tenantId })) } : {}) });
  };

  const pickBrowserUser = (loginHint: string | null, tenantId: string | undefined): EmulatorUser | undefined => {
    if (loginHint) {
      for (const u of core.users.values()) if (u.upn.toLowerCase() === loginHint.toLowerCase()) return u;
    }
    const chosen = x.browserUser();
    if (chosen) return core.users.get(chosen);
    const candidates = [...core.users.values()].filter((u) => !tenantId || u.tenantId === tenantId);
    return candidates.length === 1 ? candidates[0] : undefined;
  };
}

function redirectAllowed(app: App, uri: string): boolean {
  if (app.redirectUris.includes(uri)) return true;
  let want: URL;
  try {
    want = new URL(uri);
  } catch {
    return false;
  }
  // Native apps: a registered http loopback URI matches any port (RFC 8252 §7.3), same host and path.
  if (want.protocol !== 'http:' || !['localhost', '127.0.0.1', '[::1]'].includes(want.hostname)) return false;
  return app.redirectUris.some((r) => {
    try {
      const reg = new URL(r);
      return reg.protocol === 'http:' && reg.hostname === want.hostname && reg.pathname.replace(/\/$/, '') === want.pathname.replace(/\/$/, '');
    } catch {
      return false;
    }
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

