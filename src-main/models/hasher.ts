/**
 * SHA-256 of a download as it streams in, seeded from the bytes already on disk when a download resumes. Chunks are
 * hashed in the order given.
 */
export interface StreamHasher {
  /** Hashes `chunk`; when a promise comes back, the chunk's memory must stay unchanged until it settles. */
  update(chunk: Buffer): void | Promise<void>;
  /** Starts over from the first `bytes` of `path` (a resume, or a partial file that had to be re-read). */
  seedFromFile(path: string, bytes: number): Promise<void>;
  reset(): void;
  digest(): Promise<string>;
  close(): void;
}
