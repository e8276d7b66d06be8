/**
 * A loopback HTTP server for provider wire-protocol doubles, with fault injection. Each provider module
 * (openai-server.ts, ollama-server.ts, hf-server.ts) supplies the routes; this supplies the plumbing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One injected fault, consumed by the next request whose path matches. */
export interface Fault {
  /** Only requests whose path matches (default: any). */
  path?: RegExp;
  /** Answer with this status (and `body` / `headers`) instead of the real response. */
  status?: number;
  body?: string | object;
  headers?: Record<string, string>;
  /** Wait this long before answering (normally or with the fault). */
  delayMs?: number;
  /** Destroy the connection without answering. */
  reset?: boolean;
  /** 200 with a body that is not valid JSON. */
  malformed?: boolean;
  /** Provider-specific: return one embedding too few. */
  wrongCount?: boolean;
  /** Provider-specific: drop the connection after this many streamed chunks. */
  resetAfterChunks?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  at: number;
}

export type RouteHandler = (req: RecordedRequest, res: ServerResponse, fault: Fault | undefined) => Promise<void> | void;

export interface FakeServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  faults: Fault[];
  /** Queues faults for upcoming requests. */
  inject(...faults: Fault[]): void;
  close(): Promise<void>;
  /** Requests whose path matches. */
  count(path: RegExp): number;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export async function startFakeServer(route: RouteHandler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown = raw;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch { /* keep the text */ }
        const path = (req.url ?? '/').split('?')[0];
        const rec: RecordedRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, at: Date.now() };
        requests.push(rec);
        const i = faults.findIndex((f) => !f.path || f.path.test(path));
        const fault = i >= 0 ? faults.splice(i, 1)[0] : undefined;
        try {
          if (fault?.delayMs) await sleep(fault.delayMs);
          if (res.destroyed) return;
          if (fault?.reset) {
            req.socket.destroy();
            return;
          }
          if (fault?.status) {
            const b = fault.body ?? { error: `injected ${fault.status}` };
            const text = typeof b === 'string' ? b : JSON.stringify(b);
            res.writeHead(fault.status, { 'content-type': typeof b === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...fault.headers });
            res.end(text);
            return;
          }
          if (fault?.malformed) {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end('{"data": [{"index": 0, "embedding": [0.1, 0.2');
            return;
          }
          await route(rec, res, fault);
        } catch (err) {
          if (!res.headersSent) json(res, 500, { error: String(err) });
          else res.destroy();
        }
      })();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    faults,
    inject: (...f) => faults.push(...f),
    count: (path) => requests.filter((r) => path.test(r.path)).length,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The vector the fake servers return for a text: deterministic, exact in float32, distinct per text. */
export function vectorFor(text: string, dim: number): Float32Array {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  const v = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    h = Math.imul(h ^ (h >>> 15), 2246822519) >>> 0;
    v[j] = ((h & 0xffff) - 32768) / 32768;
  }
  return v;
}

export function toBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

/** A promise with its resolver, to hold a streamed response open until the test says so. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => { open = r; });
  return { promise, open };
}
