// Reference for the "whole rotate" figure: the same HTTP calls as a rotation into a variable group (refresh token
// saved to the same group), with plain global fetch and no checks beyond the status codes. It is what the task
// could at best cost on the wire: 8 requests.
//   token POST; group GET (by name); group PUT (refresh token); PATs list (1 page); PAT create;
//   group PUT (PAT + companions); group GET (read back); PAT revoke.
// Config comes as JSON in BENCH_PLAIN (urls, tenant, client, refresh token, org, project, group, names).
// BENCH_TRANSPORT=https swaps global fetch for node:https with a keep-alive agent (what the task itself uses).
const c = JSON.parse(process.env.BENCH_PLAIN);
const viaHttps = process.env.BENCH_TRANSPORT === 'https';
const https = viaHttps ? await import('node:https') : undefined;
const agent = viaHttps ? new https.Agent({ keepAlive: true }) : undefined;

function send(method, url, headers, body) {
  if (!viaHttps) return fetch(url, { method, headers, body }).then(async (res) => ({ status: res.status, text: await res.text() }));
  return new Promise((ok, fail) => {
    const req = https.request(url, { method, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => ok({ status: res.statusCode, text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

async function call(method, url, { headers = {}, body, expect = [200] } = {}) {
  const { status, text } = await send(method, url, headers, body);
  if (!expect.includes(status)) throw new Error(`${method} ${url.split('?')[0]}: HTTP ${status} ${text.slice(0, 200)}`);
  return { json: text ? JSON.parse(text) : undefined };
}

const form = new URLSearchParams({
  client_id: c.clientId,
  grant_type: 'refresh_token',
  refresh_token: c.refreshToken,
  scope: '499b84ac-1321-427f-aa17-267ca6975798/.default offline_access openid profile',
  client_info: '1',
});
const token = (
  await call('POST', `${c.authorityHost}/${c.tenantId}/oauth2/v2.0/token`, {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  })
).json;
const auth = { authorization: `Bearer ${token.access_token}`, accept: 'application/json', 'x-tfs-fedauthredirect': 'Suppress' };
const json = { ...auth, 'content-type': 'application/json' };
const org = `${c.devops}/${c.org}`;
const vgApi = '7.1';

// Refresh token: find the group (the list answer carries its variables), write it back with the new token.
const list = (await call('GET', `${org}/${encodeURIComponent(c.project)}/_apis/distributedtask/variablegroups?groupName=${encodeURIComponent(c.groupName)}&api-version=${vgApi}`, { headers: auth })).json;
let group = list.value[0];
const put = async (variables) => {
  const vars = {};
  for (const [k, v] of Object.entries(group.variables)) vars[k] = v.isSecret ? { ...v, value: null } : v;
  Object.assign(vars, variables);
  const body = {
    name: group.name,
    description: group.description,
    type: group.type,
    variables: vars,
    variableGroupProjectReferences: group.variableGroupProjectReferences,
  };
  group = (await call('PUT', `${org}/_apis/distributedtask/variablegroups/${group.id}?api-version=${vgApi}`, { headers: json, body: JSON.stringify(body) })).json;
};
await put({ [c.rtVariable]: { value: token.refresh_token, isSecret: true }, [`${c.rtVariable}.issuedAt`]: { value: new Date().toISOString() } });

// The PAT: find it (one page), create its successor, store + read back, revoke the old one.
const patsUrl = `${c.vssps}/${c.org}/_apis/tokens/pats`;
const patApi = 'api-version=7.1-preview.1';
const page = (await call('GET', `${patsUrl}?displayFilterOption=active&$top=100&${patApi}`, { headers: auth })).json;
const old = page.patTokens.find((p) => p.displayName === c.displayName);
if (!old) throw new Error(`no PAT named ${c.displayName}`);
const validTo = new Date(Date.now() + 30 * 86_400_000).toISOString();
const created = (
  await call('POST', `${patsUrl}?${patApi}`, { headers: json, body: JSON.stringify({ displayName: old.displayName, scope: old.scope, validTo, allOrgs: false }) })
).json.patToken;
await put({
  [c.variableName]: { value: created.token, isSecret: true },
  [`${c.variableName}.authorizationId`]: { value: created.authorizationId },
  [`${c.variableName}.validTo`]: { value: created.validTo },
});
const readBack = (await call('GET', `${org}/${encodeURIComponent(c.project)}/_apis/distributedtask/variablegroups/${group.id}?api-version=${vgApi}`, { headers: auth })).json;
if (readBack.variables[`${c.variableName}.authorizationId`]?.value !== created.authorizationId) throw new Error('read back does not match');
// The service answers a revoke with 204 or 200 (both documented; the emulator alternates them).
await call('DELETE', `${patsUrl}?authorizationId=${old.authorizationId}&${patApi}`, { headers: auth, expect: [200, 204] });
agent?.destroy();
