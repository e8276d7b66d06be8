/**
 * A loopback Hugging Face Hub: serves model folders (the generated .models/*) with the Hub's real file protocol, so
 * `pullModel` / `fromPretrained` are tested against the wire format, not mocks.
 *
 * - `GET /api/models/{repo}/revision/{rev}` → `{ id, sha, siblings: [{ rfilename }] }`
 * - `HEAD|GET /{repo}/resolve/{rev}/{path}` → `X-Repo-Commit`; small files 200 with `ETag` = git blob sha1; LFS files
 *   (`*.onnx`, `*.onnx_data`) 302 to a blob route on ANOTHER origin (`localhost:{port2}` vs `127.0.0.1:{port1}`) with
 *   `X-Linked-Etag` (sha256) and `X-Linked-Size`; `Range` answered with 206.
 * - Errors with `X-Error-Code`: RepoNotFound (401), RevisionNotFound (404), EntryNotFound (404), GatedRepo (401/403).
 * - Faults: cut a blob's connection after N bytes, serve corrupt bytes, throttle, count every request.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, relative, sep } from 'node:path';

export interface HubFile {
  path: string;
  content: Buffer;
  sha256: string;
  gitSha1: string;
  lfs: boolean;
}

export interface HubRepo {
  repoId: string;
  commit: string;
  files: Map<string, HubFile>;
  /** Needs this token (401/403 `GatedRepo` otherwise). */
  gatedToken?: string;
}

export interface HubRequest {
  origin: 'hub' | 'lfs';
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

export interface HubFaults {
  /** Cut the connection after this many body bytes, for the next `times` full GETs of a file (by repo path). */
  cut?: { path: string; afterBytes: number; times: number };
  /** Serve these files with one byte flipped (same length, wrong sha256). */
  corrupt?: Set<string>;
  /** Answer the next `times` Hub requests whose path matches with this status (e.g. 503). */
  fail?: { status: number; times: number; path: RegExp };
  /** Send LFS bodies in chunks of this many bytes, waiting `delayMs` between chunks. */
  throttle?: { chunkBytes: number; delayMs: number };
}

export interface FakeHub {
  endpoint: string;
  lfsOrigin: string;
  repos: Map<string, HubRepo>;
  requests: HubRequest[];
  faults: HubFaults;
  close(): Promise<void>;
}

function walk(dir: string, root = dir): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p, root) : [relative(root, p).split(sep).join('/')];
  });
}

/** Reads a model folder into a repository (the `.generator-stamp` is left out). */
export function repoFromFolder(repoId: string, dir: string, extra: Record<string, Buffer | string> = {}): HubRepo {
  const files = new Map<string, HubFile>();
  const add = (path: string, content: Buffer): void => {
    files.set(path, {
      path, content,
      sha256: createHash('sha256').update(content).digest('hex'),
      gitSha1: createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex'),
      lfs: /\.onnx(_data|\.data)?$/.test(path),
    });
  };
  for (const p of walk(dir).filter((p) => !p.startsWith('.generator'))) add(p, readFileSync(join(dir, p)));
  for (const [p, c] of Object.entries(extra)) add(p, Buffer.from(c));
  const h = createHash('sha1').update(repoId);
  for (const f of [...files.values()].sort((a, b) => a.path.localeCompare(b.path))) h.update(f.path).update(f.gitSha1);
  return { repoId, commit: h.digest('hex'), files };
}

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body?: Buffer | string): void {
  res.writeHead(status, headers);
  res.end(body);
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, { 'content-type': 'application/json', 'x-error-code': code, 'x-error-message': message }, JSON.stringify({ error: message }));
}

function parseRange(range: string | undefined, size: number): { start: number; end: number } | 'bad' | undefined {
  if (!range) return undefined;
  const m = /^bytes=(\d+)-(\d*)$/.exec(range);
  if (!m) return 'bad';
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  return start >= size || start > end ? 'bad' : { start, end };
}

export async function startFakeHub(repoList: HubRepo[]): Promise<FakeHub> {
  const repos = new Map(repoList.map((r) => [r.repoId, r]));
  const requests: HubRequest[] = [];
  const faults: HubFaults = {};
  const blobs = new Map<string, HubFile>();
  for (const r of repoList) for (const f of r.files.values()) blobs.set(f.sha256, f);
  const sockets = new Set<Socket>();
  const state = {} as FakeHub;

  const record = (origin: 'hub' | 'lfs', req: IncomingMessage, path: string): void => {
    requests.push({ origin, method: req.method ?? 'GET', path, range: req.headers.range, authorization: req.headers.authorization });
  };

  async function body(req: IncomingMessage, res: ServerResponse, file: HubFile, extra: Record<string, string | number>): Promise<void> {
    let content = file.content;
    if (faults.corrupt?.has(file.path)) {
      content = Buffer.from(content);
      content[content.length >> 1]! ^= 0xff;
    }
    const range = parseRange(req.headers.range, content.length);
    if (range === 'bad') return send(res, 416, { 'content-range': `bytes */${content.length}` });
    const start = range?.start ?? 0;
    const end = range?.end ?? content.length - 1;
    const headers = { ...extra, 'accept-ranges': 'bytes', 'content-length': end - start + 1, 'content-type': 'application/octet-stream',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${content.length}` } : {}) };
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') return void res.end();
    const slice = content.subarray(start, end + 1);
    const cut = faults.cut && faults.cut.path === file.path && faults.cut.times > 0 && !range ? faults.cut : undefined;
    if (cut) cut.times--;
    const chunk = faults.throttle?.chunkBytes ?? 64 * 1024;
    for (let off = 0; off < slice.length; off += chunk) {
      if (res.destroyed) return;
      const piece = slice.subarray(off, Math.min(slice.length, off + chunk));
      if (cut && off + piece.length > cut.afterBytes) {
        res.write(piece.subarray(0, Math.max(0, cut.afterBytes - off)));
        await new Promise((r) => setTimeout(r, 20));
        res.socket?.destroy();
        return;
      }
      if (!res.write(piece)) await new Promise((r) => res.once('drain', r));
      if (faults.throttle && file.lfs) await new Promise((r) => setTimeout(r, faults.throttle!.delayMs));
    }
    res.end();
  }

  const hub = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    record('hub', req, path);
    const fail = faults.fail;
    if (fail && fail.times > 0 && fail.path.test(path)) {
      fail.times--;
      return error(res, fail.status, 'ServerError', 'try again later');
    }
    void (async () => {
      const api = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(url.pathname);
      const resolve = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
      const m = api ?? resolve;
      if (!m) return error(res, 404, 'NotFound', 'no such route');
      const repoId = decodeURIComponent(m[1]!);
      const rev = decodeURIComponent(m[2]!);
      const repo = repos.get(repoId);
      if (!repo) return error(res, 401, 'RepoNotFound', `Repository Not Found for url: ${state.endpoint}${path}.`);
      if (repo.gatedToken !== undefined) {
        const auth = req.headers.authorization;
        if (!auth) return error(res, 401, 'GatedRepo', `Access to model ${repoId} is restricted. You must have access to it and be authenticated to access it. Please log in.`);
        if (auth !== `Bearer ${repo.gatedToken}`) {
          // A real Hub never echoes the token; this double does, to prove the client scrubs it.
          return error(res, 403, 'GatedRepo', `Access to model ${repoId} is restricted and ${auth.slice(7)} is not in the authorized list.`);
        }
      }
      if (rev !== 'main' && rev !== repo.commit) return error(res, 404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
      if (api) {
        return send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({
          _id: repo.commit.slice(0, 24), id: repoId, sha: repo.commit, private: false, gated: repo.gatedToken !== undefined ? 'manual' : false,
          siblings: [...repo.files.keys()].sort().map((rfilename) => ({ rfilename })),
        }));
      }
      const file = repo.files.get(decodeURIComponent(m[3]!));
      if (!file) return error(res, 404, 'EntryNotFound', `${decodeURIComponent(m[3]!)} does not exist on "${rev}"`);
      const common = { 'x-repo-commit': repo.commit };
      if (file.lfs) {
        return send(res, 302, {
          ...common, location: `${state.lfsOrigin}/lfs/${file.sha256}?sig=signed`, etag: `"${file.gitSha1}"`,
          'x-linked-etag': `"${file.sha256}"`, 'x-linked-size': file.content.length, 'content-length': 0,
        });
      }
      await body(req, res, file, { ...common, etag: `"${file.gitSha1}"` });
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, {}, String(err));
    });
  });

  const lfs = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    record('lfs', req, url.pathname);
    const file = blobs.get(url.pathname.replace(/^\/lfs\//, ''));
    if (!file || url.searchParams.get('sig') !== 'signed') return send(res, 403, {}, 'bad signature');
    void body(req, res, file, { etag: `"${file.sha256}"` }).catch(() => res.destroy());
  });

  for (const s of [hub, lfs]) s.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  const listen = (s: Server, host: string): Promise<number> => new Promise((r) => s.listen(0, host, () => r((s.address() as AddressInfo).port)));
  const hubPort = await listen(hub, '127.0.0.1');
  const lfsPort = await listen(lfs, '127.0.0.1');
  Object.assign(state, {
    endpoint: `http://127.0.0.1:${hubPort}`,
    lfsOrigin: `http://localhost:${lfsPort}`,
    repos, requests, faults,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([hub, lfs].map((s) => new Promise((r) => s.close(r))));
    },
  });
  return state;
}
