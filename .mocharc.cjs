'use strict';
// Tests are TypeScript, loaded through tsx. The summary reporter prints the closing line CI reads.
module.exports = {
  require: ['tsx/cjs'],
  spec: ['test/**/*.test.ts'],
  extension: ['ts'],
  reporter: './test/support/summary-reporter.cjs',
  timeout: 60000,
  slow: 5000,
};
