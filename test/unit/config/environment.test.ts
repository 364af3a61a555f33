import { strict as assert } from 'node:assert';
import { environmentProblems, nodeDebugWireModules, nodeOptionsArgs, removeDebugSwitches, removeEnvironmentProxies } from '../../../src/config/environment';

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

  it('splits NODE_OPTIONS as Node does (quotes, backslash escapes) before matching, so a quoted flag is still refused', () => {
    assert.deepEqual(nodeOptionsArgs('--require "/a b/p.cjs"  "--tls-keylog=k\\"x.txt"'), ['--require', '/a b/p.cjs', '--tls-keylog=k"x.txt']);
    for (const flags of ['"--tls-keylog=/tmp/keys"', '--require x.js "--inspect"', '--tls_keylog=/tmp/k', '"--inspect-brk"=0.0.0.0:9229']) {
      assert.deepEqual(inputs({ NODE_OPTIONS: flags }), ['NODE_OPTIONS'], flags);
    }
  });

  it("refuses NODE_DEBUG naming http, https, http2, net or tls as Node matches it (lists, wildcards, any case), and allows others", () => {
    for (const value of ['http', 'fs,HTTP', 'tls', 'net', 'http2', 'htt*', '*']) assert.deepEqual(inputs({ NODE_DEBUG: value }), ['NODE_DEBUG'], value);
    assert.deepEqual(nodeDebugWireModules('*'), ['http', 'https', 'http2', 'net', 'tls']);
    for (const value of ['fs', 'semver', 'module,timer', 'httpx', '']) assert.deepEqual(inputs({ NODE_DEBUG: value }), [], value);
  });

  it('removes the variables that make dependencies print what they send', () => {
    const env: NodeJS.ProcessEnv = { DEBUG: '*', DEBUG_DEPTH: '10', AZURE_LOG_LEVEL: 'verbose', TYPESPEC_RUNTIME_LOG_LEVEL: 'verbose', Q_DEBUG: '1', NODE_DEBUG: 'fs', PATH: '/bin' };
    removeDebugSwitches(env);
    assert.deepEqual(env, { NODE_DEBUG: 'fs', PATH: '/bin' });
  });

  it("removes the conventional proxy variables, which would route the Azure SDK around the agent's proxy", () => {
    const env: NodeJS.ProcessEnv = { HTTPS_PROXY: 'http://x:1', http_proxy: 'http://x:1', ALL_PROXY: 'http://x:1', NO_PROXY: '*', PATH: '/bin' };
    removeEnvironmentProxies(env);
    assert.deepEqual(env, { PATH: '/bin' });
  });
});
