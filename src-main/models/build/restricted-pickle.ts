/**
 * A restricted pickle reader: just enough of Python's pickle machine to rebuild a PyTorch state dict, and nothing
 * that could run code. A pickle is a program; Python's unpickler imports any module and calls any function the
 * file names (`os.system` through `__reduce__` is the classic attack). This reader knows a fixed list of globals
 * (ALLOWED_GLOBALS), each mapped to a small TypeScript function that builds plain data, and refuses every other
 * global and every opcode outside ACCEPTED_OPCODES with a PickleRefused error before anything is built from it.
 * Nothing is ever looked up by name at run time, evaluated or imported. docs/security.md lists what is accepted.
 */

export class PickleRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PickleRefused';
  }
}

/** A global the file named and this reader allows (`module.name`). */
export class AllowedGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** One `torch.*Storage` referenced through a persistent id: the bytes live in the archive's `data/<key>`. */
export class StorageRef {
  constructor(
    readonly storageType: string,
    readonly key: string,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/** What `torch._utils._rebuild_tensor_v2` would build: a view of a storage. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    /** in elements */
    readonly storageOffset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

/** The storage classes torch.save writes, by name (module `torch`). */
export const STORAGE_TYPES = [
  'FloatStorage',
  'HalfStorage',
  'BFloat16Storage',
  'DoubleStorage',
  'LongStorage',
  'IntStorage',
  'ShortStorage',
  'CharStorage',
  'ByteStorage',
  'BoolStorage',
] as const;

type Reducer = (args: unknown[]) => unknown;

function asInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new PickleRefused(`${what} is not an integer`);
  return v;
}

function asIntList(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw new PickleRefused(`${what} is not a tuple`);
  return v.map((d, i) => asInt(d, `${what}[${i}]`));
}

/** The calls a state dict needs, as pure data builders. */
const REDUCERS: Record<string, Reducer> = {
  'collections.OrderedDict': (args) => {
    if (args.length > 1) throw new PickleRefused('OrderedDict takes at most one argument');
    const out = new Map<unknown, unknown>();
    const init = args[0];
    if (init !== undefined) {
      if (!Array.isArray(init)) throw new PickleRefused('OrderedDict expects a list of pairs');
      for (const pair of init) {
        if (!Array.isArray(pair) || pair.length !== 2) throw new PickleRefused('OrderedDict expects a list of pairs');
        out.set(pair[0], pair[1]);
      }
    }
    return out;
  },
  // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  'torch._utils._rebuild_tensor_v2': (args) => {
    if (args.length < 6 || args.length > 7) throw new PickleRefused('_rebuild_tensor_v2 expects 6 or 7 arguments');
    const [storage, offset, size, stride] = args;
    if (!(storage instanceof StorageRef)) throw new PickleRefused('_rebuild_tensor_v2: the first argument is not a storage');
    const shape = asIntList(size, 'tensor size');
    const strides = asIntList(stride, 'tensor stride');
    if (shape.length !== strides.length) throw new PickleRefused('tensor size and stride differ in length');
    return new TensorRef(storage, asInt(offset, 'storage offset'), shape, strides);
  },
  // an nn.Parameter saved whole: (tensor, requires_grad, backward_hooks) — the tensor is what matters
  'torch._utils._rebuild_parameter': (args) => {
    if (args.length !== 3 || !(args[0] instanceof TensorRef)) throw new PickleRefused('_rebuild_parameter expects (tensor, requires_grad, hooks)');
    return args[0];
  },
};

/** Every global the reader accepts: the reducers above and the storage types (only valid inside a persistent id). */
export const ALLOWED_GLOBALS: readonly string[] = [...Object.keys(REDUCERS), ...STORAGE_TYPES.map((s) => `torch.${s}`)];

/** Opcodes by byte, with their pickle names (for messages and docs). */
const OP = {
  PROTO: 0x80,
  FRAME: 0x95,
  STOP: 0x2e,
  MARK: 0x28,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  NONE: 0x4e,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  LONG1: 0x8a,
  BINFLOAT: 0x47,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE: 0x58,
  BINUNICODE8: 0x8d,
  SHORT_BINBYTES: 0x43,
  BINBYTES: 0x42,
  EMPTY_TUPLE: 0x29,
  TUPLE: 0x74,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  APPENDS: 0x65,
  LIST: 0x6c,
  EMPTY_DICT: 0x7d,
  SETITEM: 0x73,
  SETITEMS: 0x75,
  DICT: 0x64,
  GLOBAL: 0x63,
  STACK_GLOBAL: 0x93,
  REDUCE: 0x52,
  BUILD: 0x62,
  BINPERSID: 0x51,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  MEMOIZE: 0x94,
  BINGET: 0x68,
  LONG_BINGET: 0x6a,
} as const;

export const ACCEPTED_OPCODES: readonly string[] = Object.keys(OP);
const OP_NAMES = new Map<number, string>(Object.entries(OP).map(([k, v]) => [v, k]));
/** a few refused opcodes by name, so the message says what the file tried */
const REFUSED_NAMES: Record<number, string> = {
  105: 'INST',
  111: 'OBJ',
  129: 'NEWOBJ',
  146: 'NEWOBJ_EX',
  130: 'EXT1',
  131: 'EXT2',
  132: 'EXT4',
  80: 'PERSID',
  150: 'BYTEARRAY8',
  151: 'NEXT_BUFFER',
  152: 'READONLY_BUFFER',
};

/**
 * Resolves a persistent id (torch: ('storage', torch.XStorage, key, location, numel)) to a StorageRef. Anything
 * else is refused.
 */
function persistentStorage(pid: unknown): StorageRef {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') throw new PickleRefused('a persistent id that is not a torch storage');
  const [, type, key, location, numel] = pid;
  if (!(type instanceof AllowedGlobal) || type.module !== 'torch' || !(STORAGE_TYPES as readonly string[]).includes(type.name)) {
    throw new PickleRefused('a persistent id whose storage type is not a torch storage class');
  }
  if (typeof key !== 'string' || !/^[0-9A-Za-z_]+$/.test(key)) throw new PickleRefused('a storage key that is not a plain name');
  if (typeof location !== 'string') throw new PickleRefused('a storage location that is not a string');
  return new StorageRef(type.name, key, location, asInt(numel, 'storage size'));
}

/** Runs the restricted machine over `data` and returns the unpickled value (no code runs, ever). */
export function readRestrictedPickle(data: Uint8Array): unknown {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.length);
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let p = 0;
  const need = (n: number) => {
    if (p + n > buf.length) throw new PickleRefused('the pickle ends early (truncated file?)');
  };
  const pop = () => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= (marks[marks.length - 1] as number))) throw new PickleRefused('stack underflow');
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) throw new PickleRefused('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) throw new PickleRefused('no MARK to pop to');
    return stack.splice(m);
  };
  const text = (n: number) => {
    need(n);
    const s = buf.toString('utf8', p, p + n);
    p += n;
    return s;
  };
  const line = () => {
    const end = buf.indexOf(0x0a, p);
    if (end < 0) throw new PickleRefused('the pickle ends early (truncated file?)');
    const s = buf.toString('utf8', p, end);
    p = end + 1;
    return s;
  };
  const global = (module: string, name: string) => {
    const qualified = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.includes(qualified)) throw new PickleRefused(`it asks for ${qualified}, which a state dict never needs`);
    return new AllowedGlobal(module, name);
  };
  const setItems = (target: unknown, items: unknown[]) => {
    if (!(target instanceof Map)) throw new PickleRefused('SETITEMS on something that is not a dict');
    if (items.length % 2) throw new PickleRefused('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };
  const memoKey = (k: number) => {
    if (!memo.has(k)) throw new PickleRefused(`memo ${k} read before it was written`);
    return memo.get(k);
  };
  while (true) {
    need(1);
    const op = buf[p++] as number;
    switch (op) {
      case OP.PROTO:
        need(1);
        if ((buf[p++] as number) > 5) throw new PickleRefused('pickle protocol newer than 5');
        break;
      case OP.FRAME:
        need(8);
        p += 8;
        break;
      case OP.STOP:
        if (stack.length !== 1 || marks.length) throw new PickleRefused('STOP with an unbalanced stack');
        return stack[0];
      case OP.MARK:
        marks.push(stack.length);
        break;
      case OP.POP:
        pop();
        break;
      case OP.POP_MARK:
        popMark();
        break;
      case OP.DUP:
        stack.push(top());
        break;
      case OP.NONE:
        stack.push(null);
        break;
      case OP.NEWTRUE:
        stack.push(true);
        break;
      case OP.NEWFALSE:
        stack.push(false);
        break;
      case OP.BININT:
        need(4);
        stack.push(buf.readInt32LE(p));
        p += 4;
        break;
      case OP.BININT1:
        need(1);
        stack.push(buf[p++]);
        break;
      case OP.BININT2:
        need(2);
        stack.push(buf.readUInt16LE(p));
        p += 2;
        break;
      case OP.LONG1: {
        need(1);
        const n = buf[p++] as number;
        need(n);
        if (n > 8) throw new PickleRefused('an integer wider than 64 bits');
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[p + i] as number);
        if (n > 0 && (buf[p + n - 1] as number) & 0x80) v -= 1n << BigInt(8 * n);
        p += n;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new PickleRefused('an integer beyond 2^53');
        stack.push(Number(v));
        break;
      }
      case OP.BINFLOAT:
        need(8);
        stack.push(buf.readDoubleBE(p));
        p += 8;
        break;
      case OP.SHORT_BINUNICODE:
        need(1);
        stack.push(text(buf[p++] as number));
        break;
      case OP.BINUNICODE:
        need(4);
        p += 4;
        stack.push(text(buf.readUInt32LE(p - 4)));
        break;
      case OP.BINUNICODE8: {
        need(8);
        const n = Number(buf.readBigUInt64LE(p));
        p += 8;
        stack.push(text(n));
        break;
      }
      case OP.SHORT_BINBYTES:
      case OP.BINBYTES: {
        const short = op === OP.SHORT_BINBYTES;
        need(short ? 1 : 4);
        const n = short ? (buf[p] as number) : buf.readUInt32LE(p);
        p += short ? 1 : 4;
        need(n);
        stack.push(Uint8Array.from(buf.subarray(p, p + n)));
        p += n;
        break;
      }
      case OP.EMPTY_TUPLE:
        stack.push(Object.freeze([]));
        break;
      case OP.TUPLE:
        stack.push(Object.freeze(popMark()));
        break;
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const n = op - OP.TUPLE1 + 1;
        const items: unknown[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        stack.push(Object.freeze(items));
        break;
      }
      case OP.EMPTY_LIST:
        stack.push([]);
        break;
      case OP.APPEND: {
        const v = pop();
        const list = top();
        if (!Array.isArray(list) || Object.isFrozen(list)) throw new PickleRefused('APPEND to something that is not a list');
        list.push(v);
        break;
      }
      case OP.APPENDS: {
        const items = popMark();
        const list = top();
        if (!Array.isArray(list) || Object.isFrozen(list)) throw new PickleRefused('APPENDS to something that is not a list');
        list.push(...items);
        break;
      }
      case OP.LIST:
        stack.push(popMark());
        break;
      case OP.EMPTY_DICT:
        stack.push(new Map());
        break;
      case OP.DICT: {
        const m = new Map();
        setItems(m, popMark());
        stack.push(m);
        break;
      }
      case OP.SETITEM: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case OP.SETITEMS: {
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case OP.GLOBAL: {
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case OP.STACK_GLOBAL: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new PickleRefused('STACK_GLOBAL with non-string names');
        stack.push(global(module, name));
        break;
      }
      case OP.REDUCE: {
        const args = pop();
        const callable = pop();
        if (!(callable instanceof AllowedGlobal)) throw new PickleRefused('REDUCE on something that is not an allowed global');
        const reduce = REDUCERS[callable.qualified];
        if (!reduce) throw new PickleRefused(`it calls ${callable.qualified}, which is only allowed as a storage type`);
        if (!Array.isArray(args)) throw new PickleRefused(`${callable.qualified} called without an argument tuple`);
        stack.push(reduce(args));
        break;
      }
      case OP.BUILD: {
        // OrderedDict's __reduce__ sets instance attributes (a state dict's `_metadata`) this way; they are not
        // tensors, so they are dropped. BUILD on anything else would call __setstate__: refused.
        const state = pop();
        if (!(top() instanceof Map) || !(state instanceof Map || state === null)) throw new PickleRefused('BUILD on something that is not a dict');
        break;
      }
      case OP.BINPERSID:
        stack.push(persistentStorage(pop()));
        break;
      case OP.BINPUT:
        need(1);
        memo.set(buf[p++] as number, top());
        break;
      case OP.LONG_BINPUT:
        need(4);
        memo.set(buf.readUInt32LE(p), top());
        p += 4;
        break;
      case OP.MEMOIZE:
        memo.set(memo.size, top());
        break;
      case OP.BINGET:
        need(1);
        stack.push(memoKey(buf[p++] as number));
        break;
      case OP.LONG_BINGET:
        need(4);
        stack.push(memoKey(buf.readUInt32LE(p)));
        p += 4;
        break;
      default: {
        const name = REFUSED_NAMES[op] ?? OP_NAMES.get(op) ?? `0x${op.toString(16).padStart(2, '0')}`;
        throw new PickleRefused(`opcode ${name} at byte ${p - 1} is not one a state dict uses`);
      }
    }
  }
}
