'use strict';
// Standalone repro of the ECONNRESETs seen in the bulk figure (not part of `npm run bench`; no product code, no
// emulator): a plain node:https server that answers after a short delay, and a plain keep-alive node:https client
// in another process doing GET then PUT (the PUT body ~40 KB, as a variable group with a few hundred variables).
// On Node 20.20.2 a share of the PUTs dies with ECONNRESET; the server's 'clientError' says HPE_PAUSED.
//
//   node scripts/bench/repro-hpe-paused.cjs            LAT=50 SIZE=40000 N=100 by default
//   LAT=0 node scripts/bench/repro-hpe-paused.cjs      no delay: no resets
//   SIZE=10000 node scripts/bench/repro-hpe-paused.cjs small bodies: no resets
// It takes both an answer that does not fit one TLS record (16 KiB with its headers: a 16,300 B body fails, 16,100 B
// does not) and a next request body over 16 KiB; the emulator therefore closes the connection after any answer whose
// body passes 12 KiB (test/emulator/server.ts).
const https = require('node:https');
const { spawn, execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const LAT = Number(process.env.LAT ?? 50);
const SIZE = Number(process.env.SIZE ?? 40000);
const N = Number(process.env.N ?? 100);
const dir = mkdtempSync(join(tmpdir(), 'hpe-paused-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });

let aborted = 0;
const clientErrors = new Map();
const server = https.createServer({ key: readFileSync(join(dir, 'k.pem')), cert: readFileSync(join(dir, 'c.pem')) }, async (req, res) => {
  try {
    for await (const _ of req);
  } catch {
    aborted++;
    return;
  }
  if (LAT) await new Promise((r) => setTimeout(r, LAT));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(req.method === 'GET' ? JSON.stringify({ x: 'y'.repeat(SIZE) }) : '{}');
});
server.on('clientError', (e, socket) => {
  const k = `${e.code} ${e.message}`;
  clientErrors.set(k, (clientErrors.get(k) ?? 0) + 1);
  socket.destroy();
});
server.listen(0, '127.0.0.1', () => {
  const client = `
const https = require('node:https'); const fs = require('node:fs');
const agent = new https.Agent({ keepAlive: true, ca: fs.readFileSync(${JSON.stringify(join(dir, 'c.pem'))}) });
const rq = (method, body) => new Promise((ok, fail) => {
  const r = https.request({ host: '127.0.0.1', port: ${server.address().port}, method, path: '/', agent, headers: { 'content-type': 'application/json' } },
    (res) => { let t = ''; res.on('data', (d) => (t += d)); res.on('end', () => ok(t)); });
  r.on('error', fail); r.end(body);
});
(async () => { let resets = 0; for (let i = 0; i < ${N}; i++) { try { await rq('PUT', await rq('GET')); } catch { resets++; } }
  console.log('client: ' + resets + ' of ${N} PUTs failed'); agent.destroy(); })();`;
  spawn(process.execPath, ['-e', client], { stdio: 'inherit' }).on('exit', () => {
    console.log(`server (Node ${process.version}, delay ${LAT} ms, body ${SIZE} B): ${aborted} aborted, clientError ${JSON.stringify([...clientErrors])}`);
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
