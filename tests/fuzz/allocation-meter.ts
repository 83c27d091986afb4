/**
 * Measures what a piece of code asks to allocate: while installed, `new ArrayBuffer(n)`, `new Float32Array(n)` and
 * every other typed-array constructor called through its global name (and `Uint8Array.from`, `.of`, which construct
 * through it) add the bytes they request — counted before the allocation, so a request too large to succeed counts
 * too. Views on an existing buffer and copies of an existing array (`slice`) are not counted: they are bounded by
 * memory that was already counted or already held. The fuzzer compares the figures with the input's size.
 */

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

type Constructor = new (...args: unknown[]) => unknown;

export interface AllocationFigures {
  /** Largest single request, bytes. */
  largest: number;
  /** Sum of every request, bytes. */
  total: number;
}

export class AllocationMeter {
  private figures: AllocationFigures = { largest: 0, total: 0 };
  private readonly originals = new Map<string, Constructor>();

  /** Replaces the global constructors by counting proxies (until `uninstall`). */
  install(): void {
    const globals = globalThis as unknown as Record<string, Constructor>;
    for (const name of ['ArrayBuffer', ...TYPED_ARRAYS]) {
      const original = globals[name];
      this.originals.set(name, original);
      const bytesPerElement =
        name === 'ArrayBuffer' ? 1 : (original as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      globals[name] = new Proxy(original, {
        construct: (target, args, newTarget) => {
          this.count(requestedElements(args[0]) * bytesPerElement);
          return Reflect.construct(target, args, newTarget) as object;
        },
      });
    }
  }

  uninstall(): void {
    const globals = globalThis as unknown as Record<string, Constructor>;
    for (const [name, original] of this.originals) globals[name] = original;
    this.originals.clear();
  }

  /** The figures since the last call, and a fresh start. */
  take(): AllocationFigures {
    const figures = this.figures;
    this.figures = { largest: 0, total: 0 };
    return figures;
  }

  private count(bytes: number): void {
    this.figures.largest = Math.max(this.figures.largest, bytes);
    this.figures.total += bytes;
  }
}

/** Elements a typed-array constructor call allocates: a length, or the length of an array-like to copy; 0 for views. */
function requestedElements(first: unknown): number {
  if (typeof first === 'number') return Number.isFinite(first) ? Math.max(0, first) : 0;
  if (typeof first === 'bigint') return Number(first);
  if (
    first instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer !== 'undefined' && first instanceof SharedArrayBuffer)
  ) {
    return 0;
  }
  if (typeof first === 'object' && first !== null && 'length' in first)
    return Number((first as { length: unknown }).length) || 0;
  return 0;
}
