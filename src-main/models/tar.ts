/**
 * A minimal streaming tar (POSIX ustar) writer and reader for model packs: no dependency, constant memory whatever
 * the model's size. Files over 8 GiB use the base-256 size field GNU tar and bsdtar both read; long names use the
 * ustar prefix field. The reader also understands the pax and GNU long-name headers other tools write, so a pack
 * re-made with `tar cf` on another machine still imports.
 */
const BLOCK = 512;
const MAX_OCTAL_SIZE = 0o77777777777;

export interface TarEntryHeader {
  name: string;
  size: number;
  /** '0' regular file, '5' directory, anything else is refused by the importer. */
  type: string;
}

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar: "${value}" is too long for its field`);
  bytes.copy(block, offset);
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  writeString(block, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

/** Splits a long path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a slash. */
function splitName(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
  }
  throw new Error(`tar: the path ${path} is too long for a ustar header`);
}

export function tarHeader(entry: TarEntryHeader, mtimeSeconds = Math.floor(Date.now() / 1000)): Buffer {
  const block = Buffer.alloc(BLOCK);
  const { prefix, name } = splitName(entry.name);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, entry.type === '5' ? 0o755 : 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  if (entry.size <= MAX_OCTAL_SIZE) writeOctal(block, 124, 12, entry.size);
  else {
    // base-256: high bit of the first byte set, the size big-endian in the remaining 11 bytes.
    block[124] = 0x80;
    let value = BigInt(entry.size);
    for (let i = 135; i > 124; i--) {
      block[i] = Number(value & 0xffn);
      value >>= 8n;
    }
  }
  writeOctal(block, 136, 12, mtimeSeconds);
  block.fill(0x20, 148, 156);
  block.write(entry.type, 156, 'latin1');
  block.write('ustar\0', 257, 'latin1');
  block.write('00', 263, 'latin1');
  writeString(block, 345, 155, prefix);
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

export const tarPadding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
/** Two zero blocks end an archive. */
export const tarEnd = () => Buffer.alloc(BLOCK * 2);

// ---- reading -------------------------------------------------------------------------------------------------------

/** Pulls exact byte counts out of a chunked stream without buffering more than one chunk. */
class ByteReader {
  private buffered: Buffer[] = [];
  private length = 0;
  private readonly source: AsyncIterator<Buffer>;
  private done = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.source = source[Symbol.asyncIterator]();
  }

  private async fill(n: number): Promise<void> {
    while (this.length < n && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else {
        this.buffered.push(next.value);
        this.length += next.value.length;
      }
    }
  }

  /** Exactly n bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const all = this.buffered.length === 1 ? (this.buffered[0] as Buffer) : Buffer.concat(this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.buffered = rest.length ? [rest] : [];
    this.length = rest.length;
    return out;
  }

  /** Yields n bytes as they arrive (chunks are passed through, not copied). */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.length === 0) await this.fill(1);
      if (this.length === 0) throw new Error('tar: the archive ends in the middle of a file');
      const head = this.buffered[0] as Buffer;
      const take = Math.min(left, head.length);
      yield head.subarray(0, take);
      if (take === head.length) this.buffered.shift();
      else this.buffered[0] = head.subarray(take);
      this.length -= take;
      left -= take;
    }
  }
}

const readString = (block: Buffer, offset: number, length: number) => {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
};

function readSize(block: Buffer): number {
  if ((block[124] as number) & 0x80) {
    let value = 0n;
    for (let i = 125; i < 136; i++) value = (value << 8n) | BigInt(block[i] as number);
    return Number(value);
  }
  return Number.parseInt(readString(block, 124, 12).trim() || '0', 8);
}

function checksumOk(block: Buffer): boolean {
  const stored = Number.parseInt(readString(block, 148, 8).trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum === stored;
}

/** pax extended header records: "<len> <key>=<value>\n". */
function parsePax(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\d+ ([^=]+)=(.*)$/.exec(line);
    if (match) out[match[1] as string] = match[2] as string;
  }
  return out;
}

export interface TarEntry extends TarEntryHeader {
  /** The entry's bytes; must be consumed (or drained) before the next entry is read. */
  body: AsyncGenerator<Buffer>;
}

/** Iterates a tar stream's entries in order. Metadata entries (pax, GNU long names) are applied, not yielded. */
export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  let override: { name?: string; size?: number } = {};
  for (;;) {
    const block = await reader.read(BLOCK);
    if (block.length === 0 || block.every((b) => b === 0)) return;
    if (block.length < BLOCK) throw new Error('tar: truncated header');
    if (!checksumOk(block)) throw new Error('tar: bad header checksum (not a tar file, or damaged)');
    const type = String.fromCharCode(block[156] as number).replace('\0', '0');
    const size = override.size ?? readSize(block);
    const prefix = block.subarray(257, 262).toString('latin1') === 'ustar' ? readString(block, 345, 155) : '';
    const base = readString(block, 0, 100);
    const name = override.name ?? (prefix ? `${prefix}/${base}` : base);
    const padded = size + tarPadding(size).length;
    if (type === 'x' || type === 'L' || type === 'g') {
      const data = await reader.read(padded);
      const text = data.subarray(0, size).toString('utf8');
      if (type === 'x') {
        const pax = parsePax(text);
        override = { ...(pax.path ? { name: pax.path } : {}), ...(pax.size ? { size: Number(pax.size) } : {}) };
      } else if (type === 'L') override = { name: text.replace(/\0+$/, '') };
      continue;
    }
    override = {};
    let consumed = 0;
    const body = (async function* () {
      for await (const chunk of reader.stream(size)) {
        consumed += chunk.length;
        yield chunk;
      }
    })();
    yield { name, size, type, body };
    // Whatever the consumer left unread is skipped, then the padding.
    for await (const _ of reader.stream(size - consumed)) {
      // skipping
    }
    await reader.read(padded - size);
  }
}
