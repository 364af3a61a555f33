'use strict';
// Tests are TypeScript, loaded through tsx. The summary reporter prints the closing line CI reads.
// The spec list lives in package.json's test script, so `npx mocha <file>` runs just that file.
module.exports = {
  require: ['tsx/cjs'],
  extension: ['ts'],
  reporter: './test/support/summary-reporter.cjs',
  timeout: 60000,
  slow: 5000,
};
