'use strict';
// The platform's floor for the cold-start figure: node itself opening its first TLS connection to the authority host
// (node:https and node:crypto loaded, one POST), with no library and no task. No PAT task written for Node can start
// its first request sooner than this; the benchmark shows it next to the task and the required libraries alone.
require('node:crypto');
const https = require('node:https');

https
  .request(new URL('/organizations/oauth2/v2.0/token', process.env.PATLIFECYCLE_AUTHORITYHOST), { method: 'POST' })
  .on('error', () => process.exit(0))
  .end();
