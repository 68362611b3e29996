import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { OrderedHash } from './ordered-hash';

/** A file of `size` bytes cut into pieces with gaps of zeros; the pieces handed over in a shuffled order. */
function layout(size: number, seed: number) {
  let s = seed;
  const random = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const file = new Uint8Array(size);
  const pieces: { position: number; bytes: Uint8Array }[] = [];
  const zeros: [number, number][] = [];
  for (let at = 0; at < size; ) {
    const length = Math.min(size - at, 1 + Math.floor(random() * 5000));
    if (random() < 0.2) zeros.push([at, at + length]);
    else {
      const bytes = new Uint8Array(length).map(() => Math.floor(random() * 256));
      file.set(bytes, at);
      pieces.push({ position: at, bytes });
    }
    at += length;
  }
  for (let i = pieces.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pieces[i], pieces[j]] = [pieces[j] as (typeof pieces)[0], pieces[i] as (typeof pieces)[0]];
  }
  return { file, pieces, zeros };
}

describe('OrderedHash', () => {
  it('hashes pieces given in any order, with the unwritten ranges as zeros, as the whole file', () => {
    for (const seed of [1, 2, 3]) {
      const { file, pieces, zeros } = layout(200_000, seed);
      const hash = new OrderedHash(file.length, zeros);
      for (const p of pieces) hash.add(p.position, p.bytes);
      assert.equal(hash.digest(), createHash('sha256').update(file).digest('hex'));
    }
  });

  it('says it does not know when a piece is missing, or when too much would wait', () => {
    const { file, pieces, zeros } = layout(100_000, 4);
    const short = new OrderedHash(file.length, zeros);
    for (const p of pieces.slice(1)) short.add(p.position, p.bytes);
    assert.equal(short.digest(), undefined);
    const small = new OrderedHash(file.length, zeros, 1000);
    for (const p of pieces) small.add(p.position, p.bytes);
    assert.equal(small.digest(), undefined, 'gave up once more than the budget waited');
  });
});
