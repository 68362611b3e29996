import { existsSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../src-common/api/errors';
import { LIBRARY_SCHEMA_VERSION, type LibraryDoc, LibraryDocSchema } from '../../src-common/api/library';
import { removeInterruptedWrites, writeFileAtomic } from './atomic-write';

/**
 * The per-file library: one JSON document per audio content fingerprint in `<home>/library/`. Writes are atomic and
 * serialised per document; a document that fails to parse is kept aside (never deleted) and a fresh one started.
 * Answers that were in progress when the app stopped come back as `interrupted`.
 */
export class LibraryStore {
  private readonly docs = new Map<string, LibraryDoc>();
  private readonly writes = new Map<string, Promise<void>>();
  /** Exchanges being answered in this run: the only `pending` ones that are real. */
  readonly live = new Set<string>();

  constructor(private readonly dir: string) {
    // Saves cut short by a crash or kill -9 left `*.tmp` files; the documents are whole, the debris can go.
    removeInterruptedWrites(dir);
  }

  private pathOf(fingerprint: string): string {
    if (!/^[0-9a-f]{64}$/.test(fingerprint)) throw new ApiError('bad_request', 'Invalid library key');
    return join(this.dir, `${fingerprint}.json`);
  }

  async get(fingerprint: string, fileName: string): Promise<LibraryDoc> {
    const cached = this.docs.get(fingerprint);
    if (cached) return cached;
    await this.writes.get(fingerprint)?.catch(() => undefined); // read what was last saved, not what is being replaced
    const doc = (await this.read(fingerprint)) ?? this.empty(fingerprint, fileName);
    for (const exchange of doc.exchanges) {
      if (exchange.status === 'pending' && !this.live.has(exchange.id)) {
        exchange.status = 'interrupted';
        exchange.error = 'The app stopped before this answer was finished';
      }
    }
    this.docs.set(fingerprint, doc);
    return doc;
  }

  /** Applies `change` to the document and saves it; returns the saved document. */
  async update(fingerprint: string, fileName: string, change: (doc: LibraryDoc) => void): Promise<LibraryDoc> {
    const doc = await this.get(fingerprint, fileName);
    change(doc);
    doc.updatedAt = new Date().toISOString();
    const checked = LibraryDocSchema.safeParse(doc); // never write what could not be read back
    if (!checked.success) {
      // The change stays unsaved, and the edited copy is forgotten: the next read is the last saved document.
      this.docs.delete(fingerprint);
      const issue = checked.error.issues[0];
      throw new ApiError('bad_request', `The library of ${fileName} cannot take this change (${issue?.path.join('.')}: ${issue?.message ?? 'invalid'})`);
    }
    await this.save(fingerprint, doc);
    return doc;
  }

  private save(fingerprint: string, doc: LibraryDoc): Promise<void> {
    const previous = this.writes.get(fingerprint) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => writeFileAtomic(this.pathOf(fingerprint), JSON.stringify(doc)));
    this.writes.set(fingerprint, next);
    return next;
  }

  private async read(fingerprint: string): Promise<LibraryDoc | null> {
    const path = this.pathOf(fingerprint);
    if (!existsSync(path)) return null;
    const text = await readFile(path, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const version = (json as { schema?: unknown } | undefined)?.schema;
    if (typeof version === 'number' && version > LIBRARY_SCHEMA_VERSION) {
      throw new ApiError('unsupported', `This file's library was written by a newer Diffa Studio (schema ${version}); update the app to open it`);
    }
    const parsed = LibraryDocSchema.safeParse(json);
    if (parsed.success) return parsed.data;
    // Keep the unreadable document for the user (or a later version) instead of overwriting it.
    await rename(path, `${path}.unreadable-${Date.now()}`);
    return null;
  }

  private empty(fingerprint: string, fileName: string): LibraryDoc {
    return { schema: LIBRARY_SCHEMA_VERSION, fingerprint, fileName, regions: [], regionNumbers: 0, exchanges: [], updatedAt: new Date().toISOString() };
  }
}
