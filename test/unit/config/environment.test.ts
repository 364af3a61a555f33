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

  it('names the TLS switch with what it does and how to trust a private CA instead', () => {
    assert.deepEqual(
      environmentProblems({ NODE_TLS_REJECT_UNAUTHORIZED: '0' }).map((e) => [e.input, e.message, e.hint]),
      [[
        'NODE_TLS_REJECT_UNAUTHORIZED',
        "Input 'NODE_TLS_REJECT_UNAUTHORIZED': is '0', which tells Node.js to accept any server certificate: the refresh token would go to whoever answers",
        'remove the variable (or the pipeline variable NODE_TLS_REJECT_UNAUTHORIZED); to trust a private CA, give the agent its certificate (./config.sh --sslcacert) or set NODE_EXTRA_CA_CERTS',
      ]],
    );
    for (const value of ['', 'false', ' 0', '00']) assert.deepEqual(inputs({ NODE_TLS_REJECT_UNAUTHORIZED: value }), [], `'${value}' is not what Node reads as off`);
  });

  it('names the unsafe Node flag it found, in NODE_OPTIONS or in the arguments, with its fix', () => {
    const [e] = environmentProblems({ NODE_OPTIONS: '--max-old-space-size=512 --inspect-port=9230' });
    assert.deepEqual([e?.input, e?.message, e?.hint], [
      'NODE_OPTIONS',
      "Input 'NODE_OPTIONS': holds --inspect-port, which exposes the run's TLS keys or memory to another program",
      'remove --inspect-port from NODE_OPTIONS',
    ]);
    assert.match(environmentProblems({ NODE_OPTIONS: '--require a.js' }, ['--debug-port=1']).map((x) => x.message).join(), /holds --debug-port,/);
    assert.match(environmentProblems({}, ['--inspect_brk']).map((x) => x.message).join(), /holds --inspect-brk,/, "Node reads _ as - in a flag's name");
    assert.match(environmentProblems({ NODE_OPTIONS: '--tls_keylog=/tmp/a=b' }).map((x) => x.message).join(), /holds --tls-keylog,/, 'a value holding = too');
  });

  it('takes flags that only start like an unsafe one, and a name or value that is not a flag', () => {
    for (const flags of ['--inspect-publish-uid=stderr', '--inspector', '--tls-keylogx=1', '-r --inspect.js', '--require=--inspect', 'x--inspect', '-inspect', '--title=--tls-keylog']) {
      assert.deepEqual(inputs({ NODE_OPTIONS: flags }), [], flags);
    }
    assert.deepEqual(inputs({}, ['--require', '--tls_keylog.js']), []);
    assert.deepEqual(inputs({ NODE_OPTIONS: '' }, []), []);
  });

  it('splits NODE_OPTIONS like Node: runs of spaces, empty quotes (no argument), a backslash literal outside quotes or last', () => {
    assert.deepEqual(nodeOptionsArgs('  a   b  '), ['a', 'b']);
    assert.deepEqual(nodeOptionsArgs('"" a"" ""b'), ['a', 'b']);
    assert.deepEqual(nodeOptionsArgs('a\\b c"d'), ['a\\b', 'cd'], 'outside quotes a backslash is itself, and a quote only opens quoting');
    assert.deepEqual(nodeOptionsArgs('"a\\\\b"'), ['a\\b'], 'an escaped backslash inside quotes');
    assert.deepEqual(nodeOptionsArgs('"a b\\'), ['a b\\'], 'a backslash at the very end is kept');
    assert.deepEqual(nodeOptionsArgs('"x\\" y"'), ['x" y']);
    assert.deepEqual(nodeOptionsArgs(''), []);
  });

  it('names the wire modules NODE_DEBUG turns on, in its message, and never reads its punctuation as a pattern', () => {
    const [e] = environmentProblems({ NODE_DEBUG: 'fs,HTTP,tl*' });
    assert.equal(e?.input, 'NODE_DEBUG');
    assert.match(e!.message, /turns on Node's debug output for http, tls, which prints what this run sends and receives/);
    assert.equal(e?.hint, 'remove the variable (or the pipeline variable NODE_DEBUG), or leave only modules other than http, https, http2, net and tls in it');
    assert.deepEqual(nodeDebugWireModules('HTTPS'), ['https']);
    assert.deepEqual(nodeDebugWireModules('ht*p'), ['http']);
    assert.deepEqual(nodeDebugWireModules('fs,net,tls'), ['net', 'tls']);
    assert.deepEqual(nodeDebugWireModules(undefined), []);
    for (const value of ['http|tls', 'https?', 'htt.', 'http+', '(http)', '[h]ttp', '^http', 'http$', 'http{1}', 'htt\\p', 'nett', 'xhttp']) {
      assert.deepEqual(nodeDebugWireModules(value), [], value);
    }
  });

  it('reports each switch that weakens the run, all at once', () => {
    assert.deepEqual(inputs({ NODE_TLS_REJECT_UNAUTHORIZED: '0', NODE_OPTIONS: '--inspect', NODE_DEBUG: 'net' }), ['NODE_TLS_REJECT_UNAUTHORIZED', 'NODE_OPTIONS', 'NODE_DEBUG']);
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
