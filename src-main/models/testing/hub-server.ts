import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A small Hugging Face-compatible hub for tests and benchmarks: the revision and tree API routes, `resolve/` with
 * HTTP Range (LFS files redirect to a `/cdn/` route, as the real hub does), gated repos, and faults injected per
 * file. It counts the body bytes it sends for each file, so tests can prove a resume fetched only what was missing.
 */
export type Fault =
  | { kind: 'drop'; after: number }
  | { kind: 'stall'; after: number }
  | { kind: 'status'; status: number }
  | { kind: 'ignore-range' }
  | { kind: 'corrupt' }
  /** A chunked body (no Content-Length) with `extra` bytes more than the file has. */
  | { kind: 'extra'; extra: number }
  /** A chunked body (no Content-Length) that ends cleanly `missing` bytes short. */
  | { kind: 'short'; missing: number };

interface RepoFile {
  path: string;
  size: number;
  sha256: string;
  /** The git blob id the tree API gives every file (the only hash of a non-LFS file). */
  gitOid: string;
  lfs: boolean;
  /** In memory, or a file on disk (benchmarks serve hundreds of MB). */
  data?: Buffer;
  diskPath?: string;
}

interface Repo {
  commit: string;
  files: Map<string, RepoFile>;
  token?: string;
}

export class TestHub {
  readonly repos = new Map<string, Repo>();
  /** Body bytes sent per file path (all repos). */
  readonly served = new Map<string, number>();
  readonly requests: { path: string; range?: string; auth?: string }[] = [];
  /** Every request for a file's bytes (`resolve/` of a small file, or the storage route), with its Range header. */
  readonly fetches: { path: string; range?: string }[] = [];
  private readonly faults = new Map<string, Fault[]>();
  private readonly sockets = new Set<Socket>();
  /** Bytes per second per response; 0 = as fast as possible. */
  rate = 0;
  /** Where `resolve/` sends LFS files (the storage host it hands out); empty = its own `/cdn/` route. */
  storageUrl = '';
  private server!: Server;
  url = '';

  /** Plain HTTP, or HTTPS with the given certificate (to test extra CA certificates). */
  async start(tls?: { key: string; cert: string }): Promise<this> {
    const handler = (req: IncomingMessage, res: ServerResponse) => this.handle(req, res);
    this.server = tls ? createHttpsServer(tls, handler) : createServer(handler);
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `${tls ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addRepo(name: string, files: { path: string; data?: Buffer; diskPath?: string; lfs?: boolean }[], options: { token?: string; commit?: string } = {}): string {
    const commit =
      options.commit ??
      createHash('sha1')
        .update(name + Math.random())
        .digest('hex');
    const map = new Map<string, RepoFile>();
    for (const f of files) {
      const size = f.data ? f.data.length : statSync(f.diskPath as string).size;
      const sha256 = f.data ? createHash('sha256').update(f.data).digest('hex') : '';
      const gitOid = f.data ? createHash('sha1').update(`blob ${size}\0`).update(f.data).digest('hex') : '';
      map.set(f.path, { path: f.path, size, sha256, gitOid, lfs: f.lfs ?? !f.path.endsWith('.json'), data: f.data, diskPath: f.diskPath });
    }
    this.repos.set(name, { commit, files: map, token: options.token });
    return commit;
  }

  /** Serves other bytes for a file than the ones listed (the tree API keeps the old size and hash). */
  replaceContent(repo: string, path: string, data: Buffer): void {
    const file = this.repos.get(repo)?.files.get(path);
    if (file) file.data = data;
  }

  /** Faults for the next requests of a file, one consumed per request. */
  fault(path: string, ...faults: Fault[]): void {
    this.faults.set(path, [...(this.faults.get(path) ?? []), ...faults]);
  }

  /** Connections still open: a killed client's responses go on being written (and counted) until the hub notices. */
  get openConnections(): number {
    return this.sockets.size;
  }

  bytesServed(path: string): number {
    return this.served.get(path) ?? 0;
  }

  resetCounts(): void {
    this.served.clear();
    this.requests.length = 0;
    this.fetches.length = 0;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(url.pathname);
    let match = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)$/.exec(path);
    if (match) {
      this.api(req, res, match[1] as string, match[2] as string, match[3] as string);
      return;
    }
    match = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    if (match) {
      this.resolve(req, res, match[1] as string, match[2] as string, match[3] as string);
      return;
    }
    match = /^\/cdn\/([^/]+\/[^/]+)\/(.+)$/.exec(path);
    if (match) {
      const repo = this.repos.get(match[1] as string);
      const file = repo?.files.get(match[2] as string);
      if (file) {
        this.serveFile(req, res, file);
        return;
      }
    }
    res.writeHead(404).end('not found');
  }

  private authorised(req: IncomingMessage, res: ServerResponse, repo: Repo): boolean {
    if (!repo.token || req.headers.authorization === `Bearer ${repo.token}`) return true;
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Access to this repo is restricted"}');
    return false;
  }

  private api(req: IncomingMessage, res: ServerResponse, name: string, kind: string, rev: string): void {
    const repo = this.repos.get(name);
    if (!repo) return void res.writeHead(404).end('{"error":"Repository not found"}');
    if (!this.authorised(req, res, repo)) return;
    if (rev !== 'main' && rev !== repo.commit) return void res.writeHead(404).end('{"error":"Invalid rev id"}');
    const files = [...repo.files.values()];
    const body =
      kind === 'revision'
        ? { id: name, sha: repo.commit, siblings: files.map((f) => ({ rfilename: f.path })) }
        : files.map((f) => ({
            type: 'file',
            oid: f.gitOid,
            size: f.size,
            path: f.path,
            ...(f.lfs ? { lfs: { oid: f.sha256, size: f.size, pointerSize: 134 } } : {}),
          }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private resolve(req: IncomingMessage, res: ServerResponse, name: string, rev: string, filePath: string): void {
    const repo = this.repos.get(name);
    const file = repo?.files.get(filePath);
    this.requests.push({ path: filePath, range: req.headers.range, auth: req.headers.authorization });
    if (!repo || !file) return void res.writeHead(404).end('Entry not found');
    if (!this.authorised(req, res, repo)) return;
    if (rev !== 'main' && rev !== repo.commit) return void res.writeHead(404).end('Revision not found');
    // The real hub redirects LFS files to its CDN; the client must keep Range and drop nothing else that matters.
    if (file.lfs) return void res.writeHead(302, { location: `${this.storageUrl}/cdn/${name}/${filePath}` }).end();
    this.serveFile(req, res, file);
  }

  private serveFile(req: IncomingMessage, res: ServerResponse, file: RepoFile): void {
    this.fetches.push({ path: file.path, range: req.headers.range });
    const fault = this.faults.get(file.path)?.shift();
    if (fault?.kind === 'status') return void res.writeHead(fault.status).end(`injected ${fault.status}`);
    const size = file.data ? file.data.length : file.size;
    let start = 0;
    let end = size - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const partial = range !== null && fault?.kind !== 'ignore-range';
    if (partial) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
      if (start >= size) return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    }
    const length = end - start + 1;
    // Without Content-Length the body is chunked: only the byte count tells the client it got too much or too little.
    const chunked = fault?.kind === 'extra' || fault?.kind === 'short';
    res.writeHead(partial ? 206 : 200, {
      ...(chunked ? {} : { 'content-length': length }),
      'accept-ranges': 'bytes',
      ...(partial ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    const count = (n: number) => this.served.set(file.path, (this.served.get(file.path) ?? 0) + n);
    if (file.diskPath && !fault && this.rate === 0) {
      const stream = createReadStream(file.diskPath, { start, end, highWaterMark: 1 << 20 });
      stream.on('data', (chunk) => count(chunk.length));
      stream.pipe(res);
      return;
    }
    let body = (file.data as Buffer).subarray(start, end + 1);
    if (fault?.kind === 'corrupt') {
      body = Buffer.from(body);
      body[body.length >> 1] = (body[body.length >> 1] as number) ^ 0xff;
    }
    if (fault?.kind === 'extra') body = Buffer.concat([body, Buffer.alloc(fault.extra, 0x5a)]);
    if (fault?.kind === 'short') body = body.subarray(0, Math.max(0, body.length - fault.missing));
    const cut = fault?.kind === 'drop' || fault?.kind === 'stall' ? Math.min(fault.after, body.length) : body.length;
    this.send(res, body.subarray(0, cut), count, () => {
      if (fault?.kind === 'drop') res.socket?.destroy();
      else if (fault?.kind === 'stall') {
        // Keep the connection open and silent; the client's stall timer must notice.
      } else res.end();
    });
  }

  /** Writes the body in slices, paced when `rate` is set, so a test can kill a client mid-file. */
  private send(res: ServerResponse, body: Buffer, count: (n: number) => void, done: () => void): void {
    if (this.rate === 0) {
      count(body.length);
      res.write(body, () => done());
      return;
    }
    const slice = Math.max(1024, Math.round(this.rate / 20));
    let offset = 0;
    // A response whose connection closed is not always `destroyed`: without this the loop went on writing (and
    // counting) a killed client's body to a dead socket.
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    const next = () => {
      if (res.destroyed || closed) return;
      if (offset >= body.length) return done();
      const piece = body.subarray(offset, offset + slice);
      offset += piece.length;
      count(piece.length);
      res.write(piece);
      setTimeout(next, 50);
    };
    next();
  }
}
