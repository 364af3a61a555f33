import { strict as assert } from 'node:assert';
import { environmentProblems, removeDebugSwitches, removeEnvironmentProxies } from '../../../src/config/environment';

describe('environment switches that weaken a run', () => {
  const inputs = (env: NodeJS.ProcessEnv, execArgv: string[] = []) => environmentProblems(env, execArgv).map((e) => e.input);

  it("refuses NODE_TLS_REJECT_UNAUTHORIZED=0 and names it with the fix; any other value leaves Node's check on", () => {
    const [e] = environmentProblems({ NODE_TLS_REJECT_UNAUTHORIZED: '0' });
    assert.equal(e?.input, 'NODE_TLS_REJECT_UNAUTHORIZED');
    assert.match(e!.describe(), /NODE_EXTRA_CA_CERTS|sslcacert/);
    assert.deepEqual(inputs({ NODE_TLS_REJECT_UNAUTHORIZED: '1' }), []);
    assert.deepEqual(inputs({}), []);
  });

  it('refuses NODE_OPTIONS or arguments that write TLS keys or open a debugger, and accepts a preload', () => {
    for (const flags of ['--tls-keylog=/tmp/keys', '--require x.js --inspect', '--inspect-brk=0.0.0.0:9229', '--inspect-wait']) {
      assert.deepEqual(inputs({ NODE_OPTIONS: flags }), ['NODE_OPTIONS'], flags);
    }
    assert.deepEqual(inputs({}, ['--inspect=9229']), ['NODE_OPTIONS']);
    assert.deepEqual(inputs({ NODE_OPTIONS: '--require /abs/child-preload.cjs --max-old-space-size=512' }), []);
  });

  it('removes the variables that make dependencies print what they send', () => {
    const env: NodeJS.ProcessEnv = { DEBUG: '*', DEBUG_DEPTH: '10', AZURE_LOG_LEVEL: 'verbose', NODE_DEBUG: 'http', PATH: '/bin' };
    removeDebugSwitches(env);
    assert.deepEqual(env, { NODE_DEBUG: 'http', PATH: '/bin' });
  });

  it("removes the conventional proxy variables, which would route the Azure SDK around the agent's proxy", () => {
    const env: NodeJS.ProcessEnv = { HTTPS_PROXY: 'http://x:1', http_proxy: 'http://x:1', ALL_PROXY: 'http://x:1', NO_PROXY: '*', PATH: '/bin' };
    removeEnvironmentProxies(env);
    assert.deepEqual(env, { PATH: '/bin' });
  });
});
