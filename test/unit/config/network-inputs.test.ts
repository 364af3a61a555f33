import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TIMEOUT_SECONDS, parseNetwork } from '../../../src/config/network';
import { Problems } from '../../../src/config/problems';
import { rawInputsFrom, type RawInputs } from '../../../src/config/raw-inputs';
import { InputErrors } from '../../../src/errors';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const BYPASS_HINT = 'the agent writes Agent.ProxyBypassList as a JSON array of regular expressions; fix the agent .proxybypass file';
const TIMEOUT_HINT = 'give a whole number of seconds between 1 and 600';

/** parseNetwork on a fresh Problems: the settings it returned and the problems, as `input: message | hint`. */
function network(variables: Record<string, string | undefined>, inputs: Record<string, string> = {}, files?: Record<string, string>) {
  return networkOf(rawInputsFrom({ inputs, variables, ...(files ? { files } : {}) }));
}

function networkOf(raw: RawInputs) {
  const p = new Problems();
  const value = parseNetwork(p, raw);
  try {
    p.throwIfAny();
    return { value, problems: [] as string[] };
  } catch (err) {
    return { value, problems: (err as InputErrors).errors.map((e) => `${e.input}: ${e.message.replace(`Input '${e.input}': `, '')} | ${e.hint}`) };
  }
}

describe('network settings: timeout, agent proxy, agent CA', () => {
  describe('request timeout', () => {
    it('is 30 seconds when nothing is set, with no proxy and no CA', () => {
      assert.equal(DEFAULT_TIMEOUT_SECONDS, 30);
      assert.deepEqual(network({}), { value: { timeoutMs: 30_000 }, problems: [] });
    });

    it('takes the input in seconds, the bounds 1 and 600 included', () => {
      assert.deepEqual(network({}, { requestTimeoutSeconds: '1' }).value, { timeoutMs: 1_000 });
      assert.deepEqual(network({}, { requestTimeoutSeconds: ' 600 ' }).value, { timeoutMs: 600_000 });
    });

    it('refuses an input outside 1..600, naming the input, and keeps the default', () => {
      assert.deepEqual(network({}, { requestTimeoutSeconds: '0' }), { value: { timeoutMs: 30_000 }, problems: [`requestTimeoutSeconds: 0 is outside 1..600 | ${TIMEOUT_HINT}`] });
      assert.deepEqual(network({}, { requestTimeoutSeconds: '601' }).problems, [`requestTimeoutSeconds: 601 is outside 1..600 | ${TIMEOUT_HINT}`]);
      assert.deepEqual(network({}, { requestTimeoutSeconds: 'ten' }).problems, [`requestTimeoutSeconds: 'ten' is not a whole number | ${TIMEOUT_HINT}`]);
    });

    it('refuses an unexpanded $(macro) in the input once, naming the variable', () => {
      const r = network({}, { requestTimeoutSeconds: '$(Timeout)' });
      assert.equal(r.value.timeoutMs, 30_000);
      assert.equal(r.problems.length, 1);
      assert.match(r.problems[0], /^requestTimeoutSeconds: the value is the macro \$\(Timeout\)/);
    });

    it('the variable PatLifecycle.RequestTimeoutSeconds wins over the input, and a bad one is named as the variable', () => {
      assert.deepEqual(network({ 'PatLifecycle.RequestTimeoutSeconds': '5' }, { requestTimeoutSeconds: '10' }), { value: { timeoutMs: 5_000 }, problems: [] });
      assert.deepEqual(network({ 'PatLifecycle.RequestTimeoutSeconds': '601' }, { requestTimeoutSeconds: '10' }), {
        value: { timeoutMs: 30_000 },
        problems: [`PatLifecycle.RequestTimeoutSeconds: 601 is outside 1..600 | ${TIMEOUT_HINT}`],
      });
      assert.deepEqual(network({ 'PatLifecycle.RequestTimeoutSeconds': '  ' }, { requestTimeoutSeconds: '10' }).value, { timeoutMs: 10_000 }, 'a blank variable is no override');
    });
  });

  describe('agent proxy', () => {
    it('keeps only the scheme and host of Agent.ProxyUrl, with the user, password and bypass list', () => {
      const r = network({
        'Agent.ProxyUrl': ' http://proxy.corp:8888/some/path ',
        'Agent.ProxyUsername': ' me ',
        'Agent.ProxyPassword': ' p@ss ',
        'Agent.ProxyBypassList': '["\\\\.internal$","localhost"]',
      });
      assert.deepEqual(r, {
        value: { timeoutMs: 30_000, proxy: { url: 'http://proxy.corp:8888', username: 'me', password: ' p@ss ', bypass: ['\\.internal$', 'localhost'] } },
        problems: [],
      });
    });

    it('takes an https proxy; without a user, password or bypass list it has none of them', () => {
      assert.deepEqual(network({ 'Agent.ProxyUrl': 'https://proxy.corp', 'Agent.ProxyUsername': ' ', 'Agent.ProxyPassword': '' }), {
        value: { timeoutMs: 30_000, proxy: { url: 'https://proxy.corp', bypass: [] } },
        problems: [],
      });
    });

    it('no Agent.ProxyUrl (or a blank one) means no proxy, whatever else is set', () => {
      assert.deepEqual(network({ 'Agent.ProxyUrl': '  ', 'Agent.ProxyUsername': 'me', 'Agent.ProxyBypassList': 'not json' }), { value: { timeoutMs: 30_000 }, problems: [] });
    });

    it('refuses a proxy URL that is not a URL, or not http(s), naming Agent.ProxyUrl and the agent setting to fix', () => {
      const hint = 'fix the agent proxy setting (./config.sh --proxyurl http://host:port)';
      assert.deepEqual(network({ 'Agent.ProxyUrl': 'http://proxy host:8888' }), { value: { timeoutMs: 30_000 }, problems: [`Agent.ProxyUrl: 'http://proxy host:8888' is not a URL | ${hint}`] });
      assert.deepEqual(network({ 'Agent.ProxyUrl': 'socks5://proxy:1080' }), { value: { timeoutMs: 30_000 }, problems: [`Agent.ProxyUrl: 'socks5://proxy:1080' is not an http or https URL | ${hint}`] });
    });

    it('refuses a bypass list that is not JSON, not an array, or not all strings, and bypasses nothing then', () => {
      const proxyWith = (list: string) => network({ 'Agent.ProxyUrl': 'http://p:1', 'Agent.ProxyBypassList': list });
      assert.deepEqual(proxyWith('[x'), { value: { timeoutMs: 30_000, proxy: { url: 'http://p:1', bypass: [] } }, problems: [`Agent.ProxyBypassList: is not a JSON array | ${BYPASS_HINT}`] });
      for (const list of ['"localhost"', '{"0":"a"}', '["a",1]', '[null]']) {
        assert.deepEqual(proxyWith(list), { value: { timeoutMs: 30_000, proxy: { url: 'http://p:1', bypass: [] } }, problems: [`Agent.ProxyBypassList: is not a JSON array of strings | ${BYPASS_HINT}`] }, list);
      }
      assert.deepEqual(proxyWith('[]').value.proxy?.bypass, []);
    });

    it('drops each bypass pattern that is not a regular expression, naming it, and keeps the others', () => {
      assert.deepEqual(network({ 'Agent.ProxyUrl': 'http://p:1', 'Agent.ProxyBypassList': '["a(","\\\\.corp$","[b"]' }), {
        value: { timeoutMs: 30_000, proxy: { url: 'http://p:1', bypass: ['\\.corp$'] } },
        problems: [`Agent.ProxyBypassList: 'a(' is not a valid regular expression | ${BYPASS_HINT}`, `Agent.ProxyBypassList: '[b' is not a valid regular expression | ${BYPASS_HINT}`],
      });
    });
  });

  describe('agent CA (Agent.CAInfo)', () => {
    it('reads the PEM file the variable names', () => {
      assert.deepEqual(network({ 'Agent.CAInfo': ' /certs/ca.pem ' }, {}, { '/certs/ca.pem': CA }), { value: { timeoutMs: 30_000, caPem: CA }, problems: [] });
    });

    it('reads from the file system when no reader is given', () => {
      const dir = mkdtempSync(join(tmpdir(), 'pat-lifecycle-ca-'));
      try {
        const file = join(dir, 'ca.pem');
        writeFileSync(file, CA);
        assert.deepEqual(network({ 'Agent.CAInfo': file }).value, { timeoutMs: 30_000, caPem: CA });
        assert.deepEqual(network({ 'Agent.CAInfo': join(dir, 'missing.pem') }).problems, [
          `Agent.CAInfo: the CA file '${join(dir, 'missing.pem')}' cannot be read (ENOENT) | fix the agent setting (./config.sh --sslcacert <file>) or make the file readable`,
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a file that cannot be read, with the reason, or one without a PEM certificate', () => {
      assert.deepEqual(network({ 'Agent.CAInfo': '/certs/none.pem' }, {}, {}), {
        value: { timeoutMs: 30_000 },
        problems: ["Agent.CAInfo: the CA file '/certs/none.pem' cannot be read (ENOENT) | fix the agent setting (./config.sh --sslcacert <file>) or make the file readable"],
      });
      assert.deepEqual(network({ 'Agent.CAInfo': '/certs/ca.der' }, {}, { '/certs/ca.der': 'MIIB' }), {
        value: { timeoutMs: 30_000 },
        problems: ["Agent.CAInfo: the CA file '/certs/ca.der' holds no PEM certificate | give the agent a PEM file of the CA certificates to trust"],
      });
    });

    it('says "unreadable" when the read fails without an error code', () => {
      const raw = rawInputsFrom({ variables: { 'Agent.CAInfo': '/certs/ca.pem' } });
      raw.readFile = () => {
        throw new Error('boom');
      };
      assert.match(networkOf(raw).problems[0], /^Agent\.CAInfo: the CA file '\/certs\/ca\.pem' cannot be read \(unreadable\) \| /);
    });

    it('no Agent.CAInfo (or a blank one) means no extra CA', () => {
      assert.deepEqual(network({ 'Agent.CAInfo': ' ' }, {}, { ' ': CA }), { value: { timeoutMs: 30_000 }, problems: [] });
    });
  });
});
