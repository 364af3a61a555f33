'use strict';
// Preloaded (NODE_OPTIONS=--require) by tests that check when the bundles evaluate jsonwebtoken. In the bundles only
// jsonwebtoken reads crypto.createSecretKey (its sign.js and verify.js take it from require('crypto') when they load),
// so a read of that property means jsonwebtoken was evaluated. The tests pair every "not evaluated" with a run that
// must evaluate it (a certificate sign-in), so a probe that stopped seeing jsonwebtoken would fail them.
//   JSONWEBTOKEN_PROBE_OUT=<file>   on exit, write {"evaluated": true|false}
const crypto = require('node:crypto');
const fs = require('node:fs');

const real = crypto.createSecretKey;
let evaluated = false;
Object.defineProperty(crypto, 'createSecretKey', {
  configurable: true,
  enumerable: true,
  get() {
    evaluated = true;
    return real;
  },
});
process.on('exit', () => {
  if (process.env.JSONWEBTOKEN_PROBE_OUT) fs.writeFileSync(process.env.JSONWEBTOKEN_PROBE_OUT, JSON.stringify({ evaluated }));
});
