/** Tiny local servers for the HTTP tests: a scripted origin and a CONNECT proxy. */
import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Handler = (req: SeenRequest, res: http.ServerResponse, socket: net.Socket) => void;

export interface ScriptedServer {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Handlers used in order; the last one repeats. */
  script(...handlers: Handler[]): void;
  close(): Promise<void>;
}

export async function startScriptedServer(tlsOptions?: { key: string; cert: string }): Promise<ScriptedServer> {
  let handlers: Handler[] = [];
  const seen: SeenRequest[] = [];
  const sockets = new Set<net.Socket>();
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(r);
      const handler = handlers[Math.min(seen.length - 1, handlers.length - 1)];
      if (!handler) {
        res.writeHead(500).end('no handler');
        return;
      }
      handler(r, res, req.socket);
    });
  };
  const server = tlsOptions ? https.createServer(tlsOptions, listener) : http.createServer(listener);
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tlsOptions ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    seen,
    script(...h: Handler[]) {
      handlers = h;
      seen.length = 0;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

export const text =
  (status: number, body: string, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, headers).end(body);
  };

/** Drops the connection after the request arrived: the server may have acted on it. */
export const reset: Handler = (_req, _res, socket) => {
  socket.destroy();
};

/** Never answers. */
export const hang: Handler = () => {};

export interface ConnectProxy {
  url: string;
  port: number;
  /** `host:port` of every CONNECT, with the Proxy-Authorization header it carried. */
  connects: { target: string; authorization?: string }[];
  close(): Promise<void>;
}

/** A CONNECT-only proxy. With `credentials`, answers 407 unless Basic auth matches them. */
export async function startConnectProxy(credentials?: { username: string; password: string }): Promise<ConnectProxy> {
  const connects: ConnectProxy['connects'] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    const authorization = req.headers['proxy-authorization'];
    connects.push({ target, authorization });
    if (credentials) {
      const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      if (authorization !== expected) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
        return;
      }
    }
    const [host, port] = target.split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
