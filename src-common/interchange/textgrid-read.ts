import type { Annotation, Tier } from './tiers';

type Token = { kind: 'number'; value: number } | { kind: 'string'; value: string } | { kind: 'flag'; value: boolean };

/**
 * Praat's text files, long or short, are a stream of numbers, strings and <flags>; everything else (`xmin =`,
 * `item [1]:`, `intervals: size =`) is a label that Praat itself skips. Reading tokens only therefore reads both
 * formats with one parser. `!` starts a comment up to the end of the line.
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw new Error('TextGrid: a string is not closed');
        const ch = text[i] as string;
        if (ch === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += ch;
        i++;
      }
      tokens.push({ kind: 'string', value });
    } else if (c === '!') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '[') {
      // an index label such as `item [3]:`
      while (i < n && text[i] !== ']') i++;
      i++;
    } else if (c === '<') {
      const close = text.indexOf('>', i);
      const word = text.slice(i + 1, close < 0 ? n : close);
      if (word === 'exists' || word === 'absent') tokens.push({ kind: 'flag', value: word === 'exists' });
      i = close < 0 ? n : close + 1;
    } else if (/[0-9+\-.]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9eE+\-.]/.test(text[j] as string)) j++;
      const value = Number(text.slice(i, j));
      // 1e999 is Infinity: no time or count can be that, and a region cannot hold it
      if (Math.abs(value) === Number.POSITIVE_INFINITY) throw new Error(`TextGrid: the number ${text.slice(i, j)} is out of range`);
      if (!Number.isNaN(value)) tokens.push({ kind: 'number', value });
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z0-9_?]/.test(text[i] as string)) i++;
    } else i++;
  }
  return tokens;
}

class Reader {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}
  private next(kind: Token['kind'], what: string): Token {
    const token = this.tokens[this.at++];
    if (!token || token.kind !== kind) throw new Error(`TextGrid: expected ${what} (${kind}) at token ${this.at}`);
    return token;
  }
  number(what: string): number {
    return this.next('number', what).value as number;
  }
  string(what: string): string {
    return this.next('string', what).value as string;
  }
  flag(): boolean {
    const token = this.tokens[this.at];
    if (token?.kind === 'flag') {
      this.at++;
      return token.value;
    }
    return true; // short files written by some tools leave the flag out
  }
}

/** Reads a Praat TextGrid in the long or the short text format (the caller decodes UTF-8/UTF-16 to text). */
export function readTextGrid(text: string): Annotation {
  const r = new Reader(tokenize(text.replace(/^\uFEFF/, '')));
  if (!r.string('file type').startsWith('ooTextFile')) throw new Error('TextGrid: not a Praat text file');
  const cls = r.string('object class');
  if (cls !== 'TextGrid') throw new Error(`TextGrid: the object is a ${cls}, not a TextGrid`);
  r.number('xmin');
  const duration = r.number('xmax');
  const size = r.flag() ? r.number('tier count') : 0;
  const tiers: Tier[] = [];
  for (let t = 0; t < size; t++) {
    const cls = r.string('tier class');
    const name = r.string('tier name');
    r.number('tier xmin');
    r.number('tier xmax');
    const count = r.number('item count');
    if (cls === 'IntervalTier') {
      const items = [];
      for (let k = 0; k < count; k++) items.push({ start: r.number('interval xmin'), end: r.number('interval xmax'), text: r.string('interval text') });
      tiers.push({ name, kind: 'interval', items, emptyIsGap: true });
    } else if (cls === 'TextTier') {
      const items = [];
      for (let k = 0; k < count; k++) {
        const time = r.number('point time');
        items.push({ start: time, end: time, text: r.string('point mark') });
      }
      tiers.push({ name, kind: 'point', items });
    } else throw new Error(`TextGrid: unknown tier class "${cls}"`);
  }
  return { duration, tiers };
}
