/**
 * A small forward proxy for tests: HTTP CONNECT tunnels only (every service the task calls is https), Basic proxy
 * credentials, and outbound connections from a chosen local address (127.0.0.2 by default), so an emulator that
 * accepts only that address can tell tunnelled traffic from direct traffic. Names under `.emulator.test`, and
 * `localhost`, resolve to 127.0.0.1 here, as the child preload resolves them for the task. Logs every CONNECT (target, whether the
 * credentials were right, the answer), never the credentials.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { lookup } from 'node:dns';

export interface ProxyLogEntry {
  /** `host:port` as the client asked for it. */
  target: string;
  authorized: boolean;
  /** The status answered to CONNECT. */
  status: number;
  time: string;
}

export interface ConnectProxy {
  /** `http://127.0.0.1:PORT`, without credentials (they go in Agent.ProxyUsername / Agent.ProxyPassword). */
  url: string;
  port: number;
  log: ProxyLogEntry[];
  /** Distinct CONNECT targets that were tunnelled. */
  tunnelledTargets(): string[];
  close(): Promise<void>;
}

export interface ConnectProxyOptions {
  username: string;
  password: string;
  /** Source address of the proxy's outbound connections; default 127.0.0.2. */
  localAddress?: string;
}

export async function startConnectProxy(o: ConnectProxyOptions): Promise<ConnectProxy> {
  const expected = `Basic ${Buffer.from(`${o.username}:${o.password}`, 'utf8').toString('base64')}`;
  const localAddress = o.localAddress ?? '127.0.0.2';
  const log: ProxyLogEntry[] = [];
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const server = createServer((_req, res) => {
    // Plain-HTTP forwarding is not needed by anything under test: say so rather than half-implement it.
    res.writeHead(501, { 'content-type': 'text/plain' });
    res.end('this test proxy only tunnels (CONNECT)\n');
  });
  server.on('connection', track);
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const entry: ProxyLogEntry = { target, authorized: false, status: 0, time: new Date().toISOString() };
    log.push(entry);
    const answer = (status: number, reason: string, headers: string[] = []) => {
      entry.status = status;
      client.end([`HTTP/1.1 ${status} ${reason}`, ...headers, 'Content-Length: 0', 'Connection: close', '', ''].join('\r\n'));
    };
    if (req.headers['proxy-authorization'] !== expected) {
      answer(407, 'Proxy Authentication Required', ['Proxy-Authenticate: Basic realm="pat-lifecycle-test"']);
      return;
    }
    entry.authorized = true;
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
    if (!m) {
      answer(400, 'Bad Request');
      return;
    }
    const host = m[1].replace(/^\[|\]$/g, '');
    const upstream = connect({
      host,
      port: Number(m[2]),
      localAddress,
      lookup: (hostname, options, callback) => {
        if (/(^|\.)emulator\.test\.?$|^localhost\.?$/i.test(hostname)) {
          const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
          if (all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
          else callback(null, '127.0.0.1', 4);
          return;
        }
        lookup(hostname, options, callback);
      },
    });
    track(upstream);
    upstream.once('connect', () => {
      entry.status = 200;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.once('error', () => {
      if (entry.status === 0) answer(502, 'Bad Gateway');
      else client.destroy();
    });
    client.once('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    log,
    tunnelledTargets: () => [...new Set(log.filter((e) => e.status === 200).map((e) => e.target))].sort(),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
