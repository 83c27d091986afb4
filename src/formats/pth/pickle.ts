/**
 * A pickle reader for the `data.pkl` of a PyTorch checkpoint that never executes anything: a small stack machine
 * that knows only the opcodes torch.save emits for a state dict (protocol 2, plus the protocol 4 forms) and only
 * five globals — collections.OrderedDict, torch._utils._rebuild_tensor_v2 and the Float/Half/BFloat16 storage
 * types. "Calling" one of them builds a plain description (an empty Map, a tensor reference); any other global is
 * refused as soon as it is named, before anything could use it.
 *
 * A tensor is `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`
 * whose storage is a persistent id `('storage', <StorageType>, key, location, numel)`; its data is the zip entry
 * `<archive>/data/<key>`.
 */
import { ModelFormatError } from '../../errors.js';

export type StorageDType = 'f32' | 'f16' | 'bf16';

/** A storage named by a persistent id: `numel` values of `dtype` in the entry `data/<key>`. */
export interface StorageRef {
  readonly kind: 'storage';
  readonly dtype: StorageDType;
  readonly key: string;
  readonly numel: number;
}

/** A tensor as `_rebuild_tensor_v2` describes it (offset and strides in elements). */
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly storageOffset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** One of the allowlisted globals, as a value (it can only be called through REDUCE or used as a storage type). */
export interface PickleGlobal {
  readonly kind: 'global';
  readonly name: AllowedGlobal;
}

/** A dict or OrderedDict: both keep insertion order, as a Map does. */
export type PickleDict = Map<string | number, PickleValue>;

export type PickleValue =
  null | boolean | number | string | readonly PickleValue[] | PickleDict | PickleGlobal | StorageRef | TensorRef;

const STORAGE_TYPES = {
  'torch.FloatStorage': 'f32',
  'torch.HalfStorage': 'f16',
  'torch.BFloat16Storage': 'bf16',
} as const satisfies Record<string, StorageDType>;

const CALLABLES = ['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2'] as const;

type AllowedGlobal = keyof typeof STORAGE_TYPES | (typeof CALLABLES)[number];

function isStorageType(name: string): name is keyof typeof STORAGE_TYPES {
  return Object.hasOwn(STORAGE_TYPES, name);
}

function isAllowedGlobal(name: string): name is AllowedGlobal {
  return isStorageType(name) || (CALLABLES as readonly string[]).includes(name);
}

function isKind<K extends 'global' | 'storage' | 'tensor'>(
  value: PickleValue,
  kind: K,
): value is Extract<PickleValue, { kind: K }> {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === kind;
}

const OP = {
  PROTO: 0x80,
  FRAME: 0x95,
  STOP: 0x2e,
  MARK: 0x28,
  EMPTY_TUPLE: 0x29,
  EMPTY_DICT: 0x7d,
  BINUNICODE: 0x58,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  MEMOIZE: 0x94,
  BINGET: 0x68,
  LONG_BINGET: 0x6a,
  GLOBAL: 0x63,
  STACK_GLOBAL: 0x93,
  BININT: 0x4a,
  BININT1: 0x4b,
  BININT2: 0x4d,
  LONG1: 0x8a,
  TUPLE: 0x74,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  NONE: 0x4e,
  REDUCE: 0x52,
  BUILD: 0x62,
  SETITEM: 0x73,
  SETITEMS: 0x75,
  BINPERSID: 0x51,
} as const;

const MAX_GLOBAL_LINE = 256;
const MAX_LONG1_BYTES = 8;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function describe(value: PickleValue): string {
  if (value === null) return 'None';
  if (isKind(value, 'global')) return value.name;
  if (isKind(value, 'storage') || isKind(value, 'tensor')) return `a ${value.kind}`;
  if (value instanceof Map) return 'a dict';
  return typeof value === 'object' ? 'a tuple' : `a ${typeof value}`;
}

/** Reads the pickle in `bytes` and returns the object it describes; anything outside the subset is refused. */
export function parsePickle(bytes: Uint8Array): PickleValue {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let stack: PickleValue[] = [];
  const marks: PickleValue[][] = [];
  const memo = new Map<number, PickleValue>();

  const fail: (message: string) => never = (message) => {
    throw new ModelFormatError(`pickle (byte ${at}): ${message}`);
  };
  const need = (count: number): number => {
    if (at + count > bytes.length) fail(`the pickle is cut short (${count} more bytes needed)`);
    const start = at;
    at += count;
    return start;
  };
  const text = (length: number): string => {
    const start = need(length);
    try {
      return UTF8.decode(bytes.subarray(start, start + length));
    } catch (error) {
      throw new ModelFormatError(`pickle (byte ${start}): a string is not valid UTF-8`, { cause: error });
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, at);
    if (end < 0 || end - at > MAX_GLOBAL_LINE) fail('a GLOBAL name is not terminated');
    return text(end - at + 1).slice(0, -1);
  };
  const pop = (): PickleValue => {
    const value = stack.pop();
    return value === undefined ? fail('the stack is empty') : value;
  };
  const top = (): PickleValue => {
    if (stack.length === 0) fail('the stack is empty');
    return stack[stack.length - 1];
  };
  const popMark = (): PickleValue[] => {
    const items = stack;
    const previous = marks.pop();
    if (previous === undefined) return fail('no MARK to pop to');
    stack = previous;
    return items;
  };
  const count = (value: PickleValue, what: string): number => {
    if (typeof value !== 'number' || value < 0) return fail(`${what} is ${describe(value)}, expected a count`);
    return value;
  };
  const global = (module: string, name: string): PickleGlobal => {
    const full = `${module}.${name}`;
    if (!isAllowedGlobal(full)) throw new ModelFormatError(`refusing to load: pickle references ${full}`);
    return { kind: 'global', name: full };
  };
  const targetDict = (): PickleDict => {
    const target = top();
    if (!(target instanceof Map)) return fail(`SETITEM on ${describe(target)}, expected a dict`);
    return target;
  };
  const setItem = (dict: PickleDict, key: PickleValue, value: PickleValue): void => {
    if (typeof key !== 'string' && typeof key !== 'number') return fail(`a dict key is ${describe(key)}`);
    dict.set(key, value);
  };

  const storageRef = (pid: PickleValue): StorageRef => {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      return fail(`a persistent id is ${describe(pid)}, expected ('storage', type, key, location, numel)`);
    }
    const [, type, key, , numel] = pid;
    if (!isKind(type, 'global') || !isStorageType(type.name)) return fail(`a storage type is ${describe(type)}`);
    if (typeof key !== 'string') return fail(`a storage key is ${describe(key)}`);
    return { kind: 'storage', dtype: STORAGE_TYPES[type.name], key, numel: count(numel, 'a storage size') };
  };

  const counts = (value: PickleValue, what: string): number[] => {
    if (!Array.isArray(value)) return fail(`${what} is ${describe(value)}, expected a tuple`);
    return value.map((item: PickleValue) => count(item, `an element of ${what}`));
  };

  const rebuildTensor = (args: readonly PickleValue[]): TensorRef => {
    if (args.length !== 6 && args.length !== 7) fail(`_rebuild_tensor_v2 takes 6 or 7 arguments, got ${args.length}`);
    const [storage, storageOffset, size, stride, requiresGrad] = args;
    if (!isKind(storage, 'storage')) return fail(`a tensor's storage is ${describe(storage)}`);
    if (typeof requiresGrad !== 'boolean') fail(`requires_grad is ${describe(requiresGrad)}`);
    const shape = counts(size, 'a tensor size');
    const strides = counts(stride, 'a tensor stride');
    if (shape.length !== strides.length) fail('a tensor has different numbers of sizes and strides');
    return { kind: 'tensor', storage, storageOffset: count(storageOffset, 'a storage offset'), shape, stride: strides };
  };

  const reduce = (callable: PickleValue, args: PickleValue): PickleValue => {
    if (!isKind(callable, 'global')) return fail(`REDUCE calls ${describe(callable)}`);
    if (!Array.isArray(args)) return fail(`REDUCE arguments are ${describe(args)}, expected a tuple`);
    if (callable.name === 'collections.OrderedDict') {
      if (args.length !== 0) fail('OrderedDict is called with arguments');
      return new Map();
    }
    if (callable.name === 'torch._utils._rebuild_tensor_v2') return rebuildTensor(args);
    return fail(`refusing to call ${callable.name}`);
  };

  while (at < bytes.length) {
    const opcode = bytes[at];
    at += 1;
    switch (opcode) {
      case OP.PROTO: {
        const version = bytes[need(1)];
        if (version < 2 || version > 5) fail(`pickle protocol ${version} is not supported`);
        break;
      }
      case OP.FRAME:
        need(8);
        break;
      case OP.STOP:
        if (marks.length !== 0) fail('STOP inside an unclosed MARK');
        return pop();
      case OP.MARK:
        marks.push(stack);
        stack = [];
        break;
      case OP.EMPTY_TUPLE:
        stack.push([]);
        break;
      case OP.EMPTY_DICT:
        stack.push(new Map());
        break;
      case OP.BINUNICODE:
        stack.push(text(data.getUint32(need(4), true)));
        break;
      case OP.SHORT_BINUNICODE:
        stack.push(text(bytes[need(1)]));
        break;
      case OP.BINUNICODE8: {
        const length = data.getBigUint64(need(8), true);
        stack.push(text(length > BigInt(bytes.length) ? bytes.length + 1 : Number(length)));
        break;
      }
      case OP.BINPUT:
        memo.set(bytes[need(1)], top());
        break;
      case OP.LONG_BINPUT:
        memo.set(data.getUint32(need(4), true), top());
        break;
      case OP.MEMOIZE:
        memo.set(memo.size, top());
        break;
      case OP.BINGET:
      case OP.LONG_BINGET: {
        const index = opcode === OP.BINGET ? bytes[need(1)] : data.getUint32(need(4), true);
        const value = memo.get(index);
        if (value === undefined) return fail(`memo entry ${index} was never stored`);
        stack.push(value);
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
        if (typeof module !== 'string' || typeof name !== 'string') return fail('STACK_GLOBAL needs two strings');
        stack.push(global(module, name));
        break;
      }
      case OP.BININT:
        stack.push(data.getInt32(need(4), true));
        break;
      case OP.BININT1:
        stack.push(bytes[need(1)]);
        break;
      case OP.BININT2:
        stack.push(data.getUint16(need(2), true));
        break;
      case OP.LONG1: {
        const length = bytes[need(1)];
        if (length > MAX_LONG1_BYTES) fail(`a ${length}-byte integer is too large`);
        const start = need(length);
        let value = 0n;
        for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[start + i]);
        if (length > 0 && bytes[start + length - 1] >= 0x80) value -= 1n << BigInt(8 * length);
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
          fail(`integer ${value} is out of range`);
        }
        stack.push(Number(value));
        break;
      }
      case OP.TUPLE: {
        const items = popMark();
        stack.push(items);
        break;
      }
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const count = opcode - OP.TUPLE1 + 1;
        if (stack.length < count) fail(`TUPLE${count} needs ${count} items on the stack`);
        stack.push(stack.splice(stack.length - count, count));
        break;
      }
      case OP.NEWTRUE:
        stack.push(true);
        break;
      case OP.NEWFALSE:
        stack.push(false);
        break;
      case OP.NONE:
        stack.push(null);
        break;
      case OP.REDUCE: {
        const args = pop();
        stack.push(reduce(pop(), args));
        break;
      }
      case OP.BUILD: {
        pop();
        const target = top();
        if (!(target instanceof Map)) fail(`BUILD on ${describe(target)}: only a dict's attributes may be set`);
        break;
      }
      case OP.SETITEM: {
        const value = pop();
        const key = pop();
        setItem(targetDict(), key, value);
        break;
      }
      case OP.SETITEMS: {
        const items = popMark();
        if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
        const dict = targetDict();
        for (let i = 0; i < items.length; i += 2) setItem(dict, items[i], items[i + 1]);
        break;
      }
      case OP.BINPERSID:
        stack.push(storageRef(pop()));
        break;
      default:
        at -= 1;
        fail(`opcode 0x${opcode.toString(16).padStart(2, '0')} is outside the subset torch.save writes`);
    }
  }
  return fail('the pickle ends without STOP');
}
