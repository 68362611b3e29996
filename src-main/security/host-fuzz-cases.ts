/**
 * Raw bytes for fuzzing the headless host from a socket: HTTP requests built from hostile parts (request lines,
 * targets, headers, cookies, bodies, upgrades) and then mutated byte by byte, and WebSocket frames (reserved opcodes
 * and bits, unmasked, lying lengths, invalid UTF-8, bad close codes, oversized control frames, garbage). Seeded, so a
 * failing run can be replayed with FUZZ_SEED.
 */

export type Random = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (random: Random, below: number) => Math.floor(random() * below);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)] as T;
const chance = (random: Random, p: number) => random() < p;
const randomBytes = (random: Random, max: number) => Buffer.from(Array.from({ length: int(random, max + 1) }, () => int(random, 256)));
const latin1 = (text: string) => Buffer.from(text, 'latin1');

/** What the generators need to know about the host under test, so some inputs get past its checks. */
export interface HostFacts {
  port: number;
  token: string;
  /** An audio file the host has open: its media route streams real bytes. */
  mediaId: string;
  /** A small valid WAV, for uploads that succeed. */
  wav: Buffer;
}

function targets(f: HostFacts): string[] {
  const { port: p, token: t, mediaId: m } = f;
  return [
    '/',
    `/?token=${t}`,
    `/index.html?token=${t}`,
    `/media/${m}?token=${t}`,
    `/media/${m}`,
    `/media/unknown?token=${t}`,
    `/media/${'a'.repeat(70)}?token=${t}`,
    `/upload?token=${t}&name=a.wav`,
    `/upload?token=${t}&name=%E0%A4%A`,
    `/upload?token=${t}&name=..%2F..%2Fx.wav`,
    `/upload?token=${t}`,
    `/api?token=${t}`,
    '/api',
    '*',
    'http://[/',
    'http://[::1',
    `http://127.0.0.1:${p}/?token=${t}`,
    `http://127.0.0.1:${p}/media/${m}?token=${t}`,
    `http://localhost:${p}/api?token=${t}`,
    `http://evil.example/?token=${t}`,
    `http://evil.example:${p}/media/${m}?token=${t}`,
    `ws://127.0.0.1:${p}/api?token=${t}`,
    `https://127.0.0.1:${p}/`,
    'ftp://x/',
    `http://user:pw@127.0.0.1:${p}/?token=${t}`,
    'http:',
    'http://',
    'http://%zz/',
    `HTTP://LOCALHOST:${p}/?token=${t}`,
    `127.0.0.1:${p}`,
    '//evil.example/x',
    '/\\evil.example/',
    '/%',
    `/%E0%A4%A?token=${t}`,
    `/..%2f..%2f..%2fetc%2fpasswd?token=${t}`,
    `/%00?token=${t}`,
    '/?token=%E0%A4%A',
    '/?token=',
    `/${'a'.repeat(9000)}`,
    `/?${'token=x&'.repeat(1500)}`,
    'javascript:alert(1)',
    'file:///etc/passwd',
    `/?token=${t}#frag`,
    '/\u00e9\u00ff',
  ];
}

function headerChoices(f: HostFacts, random: Random): string[][] {
  const { port: p, token: t } = f;
  const cookie = `diffa_token_${p}`;
  return [
    [
      `Host: 127.0.0.1:${p}`,
      `Host: localhost:${p}`,
      `Host: [::1]:${p}`,
      'Host: evil.example',
      'Host:',
      `Host: 127.0.0.1:${p}, evil`,
      'Host: [',
      `Host: 127.0.0.1:${p}\r\nHost: evil`,
    ],
    [
      `Cookie: ${cookie}=${t}`,
      `Cookie: ${cookie}=%E0%A4%A`,
      `Cookie: ${cookie}=%`,
      `Cookie: ${cookie}==`,
      `Cookie: ${cookie}`,
      'Cookie: =; ;;=',
      `Cookie: a=%ZZ; ${cookie}=%ZZ%`,
      `Cookie: ${`x=${'y'.repeat(50)}; `.repeat(100)}`,
      `Cookie: ${cookie}=${t}%`,
    ],
    [
      `Authorization: Bearer ${t}`,
      'Authorization: Bearer ',
      'Authorization: Bearer %E0',
      'Authorization: Basic Og==',
      `Authorization: Bearer ${'x'.repeat(5000)}`,
    ],
    [`Origin: http://127.0.0.1:${p}`, 'Origin: null', 'Origin: http://evil.example', 'Origin:', 'Origin: http://[', `Origin: ${'\u00ff'.repeat(3)}`],
    [
      'Content-Length: 0',
      'Content-Length: 5',
      'Content-Length: -1',
      'Content-Length: 99999999999999999999',
      'Content-Length: abc',
      'Content-Length: 1, 2',
      'Content-Length: 3\r\nContent-Length: 4',
    ],
    [
      'Transfer-Encoding: chunked',
      'Transfer-Encoding: gzip, chunked',
      'Transfer-Encoding: chunked, gzip',
      'Transfer-Encoding: xchunked',
      'Transfer-Encoding: chunked\r\nContent-Length: 3',
    ],
    [
      'Range: bytes=0-10',
      'Range: bytes=-5',
      'Range: bytes=5-',
      'Range: bytes=--',
      'Range: bytes=99999999999999999999-',
      'Range: bytes=0-1,2-3',
      'Range: bytes=10-1',
      'Range: items=0-1',
      'Range: bytes=-0',
      'Range: bytes=-99999999999999999999',
      `Range: bytes=${int(random, 100000)}-${int(random, 100000)}`,
    ],
    ['Connection: keep-alive', 'Connection: close', 'Connection: Upgrade', 'Connection: upgrade, keep-alive', 'Connection: \u00ff'],
    ['Upgrade: websocket', 'Upgrade: h2c', 'Upgrade: websocket, foo', 'Upgrade: \u00ff\u00fe'],
    ['Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Key:', 'Sec-WebSocket-Key: abc', `Sec-WebSocket-Key: ${'A'.repeat(3000)}`],
    ['Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 8', 'Sec-WebSocket-Version:', 'Sec-WebSocket-Version: 13, 8'],
    [
      'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
      'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=99',
      'Sec-WebSocket-Extensions: ;;;="',
    ],
    ['Sec-WebSocket-Protocol: a, b', 'Sec-WebSocket-Protocol: ,,,', 'Sec-WebSocket-Protocol: \u00ff'],
    ['Expect: 100-continue', 'Expect: nothing'],
    ['Accept-Encoding: gzip, br', 'Accept-Encoding: \u00ff;q=x', 'Content-Type: audio/wav', 'Content-Type: multipart/form-data; boundary='],
    ['NoColonHere', ' folded continuation', 'Bad Name: x', ': empty name', 'X-Nul: a\u0000b', 'X-High: \u00ff\u00fe', `X-Long: ${'z'.repeat(20000)}`],
  ];
}

const methods = [
  'GET',
  'GET',
  'GET',
  'HEAD',
  'POST',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'PATCH',
  'TRACE',
  'CONNECT',
  'get',
  'G ET',
  '',
  'GET\u0000',
  'PRI',
  '\u00ff\u00ff',
];
const versions = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/1.2', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1', '', 'HTTP/1.1 extra'];

function body(random: Random, f: HostFacts): { headers: string[]; bytes: Buffer } {
  switch (int(random, 5)) {
    case 0:
      return { headers: [], bytes: Buffer.alloc(0) };
    case 1: {
      const bytes = randomBytes(random, 200);
      return { headers: [`Content-Length: ${bytes.length}`], bytes };
    }
    case 2:
      return { headers: [`Content-Length: ${f.wav.length}`], bytes: f.wav };
    case 3: {
      const chunks = pick(random, [
        '5\r\nhello\r\n0\r\n\r\n',
        'zz\r\nhello\r\n',
        'ffffffffffffffff\r\n',
        '-1\r\n\r\n',
        '3;ext="x\r\nabc\r\n0\r\n\r\n',
        '0\r\nTrailer: x\r\n\r\n',
      ]);
      return { headers: ['Transfer-Encoding: chunked'], bytes: latin1(chunks) };
    }
    default: {
      const bytes = randomBytes(random, 64);
      return { headers: [`Content-Length: ${bytes.length + int(random, 3) - 1}`], bytes };
    }
  }
}

/** A WebSocket upgrade request that the host accepts (the base that the upgrade mutations start from). */
export function goodUpgrade(f: HostFacts): string[] {
  return [
    `GET /api?token=${f.token} HTTP/1.1`,
    `Host: 127.0.0.1:${f.port}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
  ];
}

/** Byte-level damage: overwrite, insert line breaks or NULs, delete, truncate, repeat a slice. */
export function mutateBytes(random: Random, input: Buffer): Buffer {
  let bytes = input;
  for (let n = 1 + int(random, 4); n > 0 && bytes.length > 0; n--) {
    const at = int(random, bytes.length);
    switch (int(random, 6)) {
      case 0:
        bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([int(random, 256)]), bytes.subarray(at + 1)]);
        break;
      case 1:
        bytes = Buffer.concat([bytes.subarray(0, at), latin1(pick(random, ['\r\n', '\n', '\r', '\0', ' ', '\r\n\r\n', ':', '%'])), bytes.subarray(at)]);
        break;
      case 2:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + int(random, 16))]);
        break;
      case 3:
        bytes = bytes.subarray(0, at);
        break;
      case 4: {
        const end = Math.min(bytes.length, at + 1 + int(random, 64));
        bytes = Buffer.concat([bytes.subarray(0, end), bytes.subarray(at, end), bytes.subarray(end)]);
        break;
      }
      default:
        bytes = Buffer.concat([bytes.subarray(0, at), randomBytes(random, 8), bytes.subarray(at)]);
    }
  }
  return bytes;
}

/** One hostile HTTP request (or upgrade request) as raw bytes. */
export function hostileRequest(random: Random, f: HostFacts): Buffer {
  const eol = pick(random, ['\r\n', '\r\n', '\r\n', '\r\n', '\n', '\r']);
  let lines: string[];
  let payload: Buffer = Buffer.alloc(0);
  if (chance(random, 0.25)) {
    // An upgrade with one or two of its parts changed or dropped.
    lines = goodUpgrade(f);
    const choices = headerChoices(f, random);
    for (let n = 1 + int(random, 2); n > 0; n--) {
      const at = int(random, lines.length);
      if (at === 0) lines[0] = `${pick(random, methods)} ${pick(random, targets(f))} ${pick(random, versions)}`;
      else if (chance(random, 0.3)) lines.splice(at, 1);
      else lines.push(pick(random, pick(random, choices)));
    }
  } else {
    // Half the request lines are plausible, so the headers and bodies after them reach the handlers.
    const all = targets(f);
    lines = [
      chance(random, 0.5)
        ? `${pick(random, ['GET', 'GET', 'HEAD', 'POST'])} ${pick(random, all.slice(0, 12))} HTTP/1.1`
        : `${pick(random, methods)} ${pick(random, all)} ${pick(random, versions)}`,
    ];
    const choices = headerChoices(f, random);
    const plausible = lines[0]?.endsWith(' HTTP/1.1');
    if (chance(random, 0.8)) lines.push(pick(random, plausible && chance(random, 0.7) ? (choices[0] as string[]).slice(0, 3) : (choices[0] as string[])));
    for (let n = int(random, plausible ? 3 : 6); n > 0; n--) lines.push(pick(random, pick(random, choices)));
    const b = body(random, f);
    lines.push(...b.headers);
    payload = b.bytes;
  }
  let bytes: Buffer = Buffer.concat([latin1(lines.join(eol) + eol + eol), payload]);
  if (chance(random, 0.3)) bytes = mutateBytes(random, bytes);
  return bytes;
}

/** A valid API request frame's text, so some frames among the garbage do reach a handler. */
export const apiRequestText = (id: number) => JSON.stringify({ type: 'request', id, method: 'app.info', params: {} });

interface FrameParts {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
  /** The length written in the header, when it is to differ from the payload's. */
  declared?: bigint;
}

export function encodeFrame(parts: FrameParts): Buffer {
  const length = parts.declared ?? BigInt(parts.payload.length);
  const head: number[] = [(parts.fin ? 0x80 : 0) | ((parts.rsv & 7) << 4) | (parts.opcode & 15)];
  const maskBit = parts.masked ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65536n) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(length & 0xffffffffffffffffn);
  }
  if (!parts.masked) return Buffer.concat([Buffer.from(head), extended, parts.payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const masked = Buffer.from(parts.payload.map((byte, i) => byte ^ (key[i % 4] as number)));
  return Buffer.concat([Buffer.from(head), extended, key, masked]);
}

function closePayload(random: Random): Buffer {
  if (chance(random, 0.2)) return Buffer.from([int(random, 256)]); // a one-byte close body is a protocol error
  const code = Buffer.alloc(2);
  code.writeUInt16BE(pick(random, [1000, 1001, 1005, 1006, 999, 1016, 2999, 3000, 4999, 5000, 65535, int(random, 65536)]));
  return Buffer.concat([code, pick(random, [Buffer.alloc(0), Buffer.from('bye'), Buffer.from([0xc3, 0x28]), Buffer.alloc(130, 0x61)])]);
}

/** One hostile WebSocket frame (client to server) as raw bytes. */
export function hostileFrame(random: Random, id: number): Buffer {
  if (chance(random, 0.1)) return randomBytes(random, 40);
  const opcode = chance(random, 0.6) ? pick(random, [0x1, 0x2, 0x0, 0x8, 0x9, 0xa]) : int(random, 16);
  let payload: Buffer;
  switch (opcode) {
    case 0x8:
      payload = closePayload(random);
      break;
    case 0x9:
    case 0xa:
      payload = chance(random, 0.2) ? Buffer.alloc(126 + int(random, 200), 0x70) : randomBytes(random, 20);
      break;
    default:
      payload = pick(random, [
        Buffer.from(apiRequestText(id)),
        Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), // invalid UTF-8
        Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate in UTF-8
        Buffer.from('{"type":"request","id":1,"method":"files.list"'),
        randomBytes(random, 100),
        Buffer.alloc(0),
      ]);
  }
  const parts: FrameParts = {
    fin: chance(random, 0.8),
    rsv: chance(random, 0.85) ? 0 : 1 + int(random, 7),
    opcode,
    masked: chance(random, 0.9),
    payload,
  };
  if (chance(random, 0.1)) parts.declared = pick(random, [BigInt(payload.length + 1 + int(random, 100)), 2n ** 63n, 2n ** 64n - 1n, 70000n, 200n]);
  const bytes = encodeFrame(parts);
  return chance(random, 0.15) ? mutateBytes(random, bytes) : bytes;
}
