// Reference for the "list 10,000 PATs" figure: one token POST, then every page of active PATs with plain global
// fetch, sequentially, keeping every PAT in an array (the task must hold them too: it sorts by expiry).
// Config comes as JSON in BENCH_PLAIN. Prints {"pats": n, "pages": p} on stdout.
const c = JSON.parse(process.env.BENCH_PLAIN);

const form = new URLSearchParams({
  client_id: c.clientId,
  grant_type: 'refresh_token',
  refresh_token: c.refreshToken,
  scope: '499b84ac-1321-427f-aa17-267ca6975798/.default offline_access openid profile',
});
const tokenRes = await fetch(`${c.authorityHost}/${c.tenantId}/oauth2/v2.0/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: form.toString(),
});
if (tokenRes.status !== 200) throw new Error(`token: HTTP ${tokenRes.status}`);
const { access_token } = await tokenRes.json();
const headers = { authorization: `Bearer ${access_token}`, accept: 'application/json' };

const all = [];
let pages = 0;
let continuationToken = '';
do {
  const url = `${c.vssps}/${c.org}/_apis/tokens/pats?displayFilterOption=active&$top=100${continuationToken ? `&continuationToken=${encodeURIComponent(continuationToken)}` : ''}&api-version=7.1-preview.1`;
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`list: HTTP ${res.status}`);
  const page = await res.json();
  pages++;
  for (const p of page.patTokens) all.push(p);
  continuationToken = page.continuationToken || '';
} while (continuationToken);
console.log(JSON.stringify({ pats: all.length, pages }));
