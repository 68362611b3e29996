import { createHash } from 'node:crypto';
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import { ApiError } from '../../src-common/api/errors';
import { BundleManifestSchema } from './bundle-manifest';
import { HubPolicy, refusedAddress } from './hub-policy';
import { tlsTrustError } from './network';

/** A file to fetch: where it goes in the bundle and what it must be. */
export interface PlannedFile {
  path: string;
  size: number;
  sha256: string;
}

/** Everything a download needs, pinned to one commit so a resume days later fetches the same bytes. */
export interface PullPlan {
  id: string;
  name: string;
  endpoint: string;
  repo: string;
  /** What the user asked for (branch, tag or commit). */
  revision: string;
  /** The commit it resolved to; downloads use this, never a moving branch. */
  commit: string;
  files: PlannedFile[];
  /** manifest.json's text when it was already fetched to build the plan (written to staging, not re-downloaded). */
  manifestText?: string;
}

export interface HubSource {
  endpoint: string;
  repo: string;
  revision: string;
}

const REPO = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Reads what the user typed as a hub source: `org/name`, or a URL of a repo page
 * (`https://hub/org/name`, `…/tree/<rev>`, `…/resolve/<rev>/…`, `…/blob/<rev>/…`). A URL brings its own endpoint.
 */
export function parseHubSource(input: string, endpoint: string, revision?: string): HubSource | null {
  if (REPO.test(input)) return { endpoint, repo: input, revision: revision ?? 'main' };
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const parts = url.pathname.split('/').filter(Boolean);
  const skip = parts[0] === 'models' ? 1 : 0;
  const [org, name, kind, rev] = parts.slice(skip);
  if (!org || !name || !REPO.test(`${org}/${name}`)) return null;
  const urlRevision = kind && ['tree', 'resolve', 'blob'].includes(kind) && rev ? decodeURIComponent(rev) : undefined;
  return { endpoint: url.origin, repo: `${org}/${name}`, revision: revision ?? urlRevision ?? 'main' };
}

export const resolveUrl = (endpoint: string, repo: string, commit: string, path: string) =>
  `${endpoint}/${repo}/resolve/${encodeURIComponent(commit)}/${path.split('/').map(encodeURIComponent).join('/')}`;

export interface HubClient {
  dispatcher: Dispatcher;
  token?: string;
  signal?: AbortSignal;
  /** Where requests may go; by default only the endpoint being planned from. */
  policy?: HubPolicy;
}

/** GET a small hub resource (JSON or manifest text), with the token, mapping the hub's statuses to clear errors. */
async function getText(client: HubClient, policy: HubPolicy, url: string, what: string): Promise<{ text: string; headers: Record<string, unknown> }> {
  const { bytes, headers } = await getBytes(client, policy, url, what);
  return { text: bytes.toString('utf8'), headers };
}

/** GET a small hub resource as bytes (a JSON file fetched whole), following redirects the policy allows. */
export async function getBytes(
  client: HubClient,
  policy: HubPolicy,
  url: string,
  what: string,
  maxBytes = 64 << 20,
): Promise<{ bytes: Buffer; headers: Record<string, unknown> }> {
  let current = url;
  let from: string | undefined;
  for (let hop = 0; hop < 5; hop++) {
    policy.checkRequest(current, from);
    const sameOrigin = new URL(current).origin === new URL(url).origin;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (client.token && sameOrigin) headers.authorization = `Bearer ${client.token}`;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(current, { dispatcher: client.dispatcher, headers, signal: client.signal });
    } catch (error) {
      if (client.signal?.aborted) throw new ApiError('cancelled', 'Cancelled');
      const untrusted = tlsTrustError(error, new URL(url).host) ?? refusedAddress(error);
      if (untrusted) throw untrusted;
      throw new ApiError('io_error', `Cannot reach ${new URL(url).origin} for ${what}: ${(error as Error).message}`);
    }
    const status = response.statusCode;
    if (status >= 300 && status < 400 && response.headers.location) {
      await response.body.dump();
      from = current;
      current = new URL(String(response.headers.location), current).href;
      continue;
    }
    if (status === 200) {
      const declared = Number(response.headers['content-length'] ?? 0);
      if (declared > maxBytes) {
        response.body.destroy();
        throw new ApiError('bad_model', `${what}: ${declared} bytes, more than the ${maxBytes} expected of a small file`);
      }
      const bytes = Buffer.from(await response.body.arrayBuffer());
      if (bytes.length > maxBytes) throw new ApiError('bad_model', `${what}: more than the ${maxBytes} bytes expected of a small file`);
      return { bytes, headers: response.headers };
    }
    await response.body.dump();
    if (status === 401 || status === 403)
      throw new ApiError('forbidden', `${what}: the hub refused access (HTTP ${status}); for a gated or private repo set HF_TOKEN`);
    if (status === 404) throw new ApiError('not_found', `${what}: not found on ${new URL(url).origin} (HTTP 404)`);
    throw new ApiError('io_error', `${what}: HTTP ${status} from ${new URL(url).origin}`);
  }
  throw new ApiError('io_error', `${what}: too many redirects`);
}

const RevisionSchema = z.object({ sha: z.string().min(7), siblings: z.array(z.object({ rfilename: z.string() })).optional() });
const TreeEntrySchema = z.object({
  type: z.string(),
  path: z.string(),
  size: z.number().int().nonnegative(),
  /** The git blob id (SHA-1 of `blob <size>\\0` + content): the only hash the hub gives for a non-LFS file. */
  oid: z.string().optional(),
  lfs: z.object({ oid: z.string(), size: z.number().int() }).optional(),
});

/**
 * Builds a pull plan from the hub's API: the revision endpoint pins the commit, the tree endpoint gives every file's
 * size and (for LFS files) SHA-256, and the bundle's own manifest.json gives the SHA-256 of every file. Both must
 * agree, so a hub that serves something else than the manifest promises is caught before a byte is downloaded.
 */
export type TreeEntry = z.infer<typeof TreeEntrySchema>;

/** The commit a revision (branch, tag or commit) points at now: everything after uses it, so a resume gets the same bytes. */
export async function pinRevision(client: HubClient, policy: HubPolicy, endpoint: string, repo: string, revision: string): Promise<string> {
  const api = `${endpoint}/api/models/${repo}`;
  const text = (await getText(client, policy, `${api}/revision/${encodeURIComponent(revision)}`, `${repo}@${revision}`)).text;
  let parsed: ReturnType<typeof RevisionSchema.safeParse>;
  try {
    parsed = RevisionSchema.safeParse(JSON.parse(text));
  } catch {
    throw new ApiError('bad_model', `${repo}@${revision}: the hub's answer is not JSON`);
  }
  if (!parsed.success) throw new ApiError('bad_model', `${repo}@${revision}: the hub's answer has no commit`);
  return parsed.data.sha;
}

/** Every file of a repo at a commit with its size and, for LFS files, its SHA-256 (following `Link: rel="next"` pages). */
export async function listTree(client: HubClient, policy: HubPolicy, endpoint: string, repo: string, commit: string): Promise<Map<string, TreeEntry>> {
  const tree = new Map<string, TreeEntry>();
  let next: string | undefined = `${endpoint}/api/models/${repo}/tree/${encodeURIComponent(commit)}?recursive=true`;
  while (next) {
    const page = await getText(client, policy, next, `${repo} file list`);
    for (const raw of JSON.parse(page.text) as unknown[]) {
      const entry = TreeEntrySchema.safeParse(raw);
      if (entry.success && entry.data.type === 'file') tree.set(entry.data.path, entry.data);
    }
    // Big repos are paginated with a Link: <…>; rel="next" header.
    next = /<([^>]+)>;\s*rel="next"/.exec(String(page.headers.link ?? ''))?.[1];
  }
  return tree;
}

export async function planFromHub(client: HubClient, source: HubSource): Promise<PullPlan> {
  const { repo, revision } = source;
  const policy = client.policy ?? new HubPolicy([source.endpoint]);
  const endpoint = policy.requireHub(source.endpoint);
  const commit = await pinRevision(client, policy, endpoint, repo, revision);
  const tree = await listTree(client, policy, endpoint, repo, commit);
  if (!tree.has('manifest.json')) throw new ApiError('bad_model', `${repo}@${revision} is not a Diffa model bundle: it has no manifest.json`);

  const manifestText = (await getText(client, policy, resolveUrl(endpoint, repo, commit, 'manifest.json'), `${repo} manifest.json`)).text;
  let manifest: z.infer<typeof BundleManifestSchema>;
  try {
    manifest = BundleManifestSchema.parse(JSON.parse(manifestText));
  } catch (error) {
    throw new ApiError('bad_model', `${repo}@${revision}: manifest.json is not a valid bundle manifest (${(error as Error).message.split('\n')[0]})`);
  }
  for (const file of manifest.files) {
    const listed = tree.get(file.path);
    if (!listed) throw new ApiError('bad_model', `${repo}@${commit.slice(0, 8)}: ${file.path} is in the manifest but not in the repo`);
    if (listed.size !== file.size) throw new ApiError('bad_model', `${repo}: ${file.path} has ${listed.size} bytes on the hub, the manifest says ${file.size}`);
    if (listed.lfs && listed.lfs.oid !== file.sha256)
      throw new ApiError('bad_model', `${repo}: ${file.path} has SHA-256 ${listed.lfs.oid} on the hub, the manifest says ${file.sha256}`);
  }
  const manifestEntry = { path: 'manifest.json', size: Buffer.byteLength(manifestText), sha256: createHash('sha256').update(manifestText).digest('hex') };
  return {
    id: manifest.id,
    name: manifest.name,
    endpoint,
    repo,
    revision,
    commit,
    files: [manifestEntry, ...manifest.files.filter((f) => f.path !== 'manifest.json')],
    manifestText,
  };
}
