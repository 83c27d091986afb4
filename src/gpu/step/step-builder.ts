/**
 * The recorded form of a forward step. A step runs B sessions of T tokens each (decode: T = 1; prefill: B = 1) over
 * N = B·T activation rows laid out [B, T, C]. Every op of the step is built once, when the model is created, with
 * its buffers fixed; what varies between steps (N, B, T, the head's row count) only changes workgroup counts and
 * uniform contents and the variant of a kernel a wrapper picks for it, so pipelines and bind groups are created once
 * per op and variant and reused by every later step.
 */
import { UNIFORM, uploadBuffer } from '../buffers.js';
import { matrixPartShapes, partBinding, type GpuMatrix } from '../gpu-matrix.js';
import type { Binding, KernelDispatch, KernelRunner } from '../kernel-runner.js';
import type { Activation } from '../kernels/activation.js';
import type { KernelSpec } from '../pipelines.js';
import { matMatKernel } from '../kernels/matmat.js';
import {
  groupedMatVecKernel,
  MAX_GROUPED_MEMBERS,
  MAX_MATVEC_BATCH,
  matVecKernel,
  memberTable,
  type GroupedMember,
} from '../kernels/matvec.js';

export interface StepShape {
  /** Sessions in the step (B). */
  sessions: number;
  /** Tokens per session (T). */
  tokens: number;
  /** Activation rows, B·T. */
  rows: number;
  /** Rows that reach the head: N (logits of every position) or B (the last position of each session). */
  headRows: number;
}

export interface StepOp {
  encode(pass: GPUComputePassEncoder, shape: StepShape): void;
  /** The dispatches `encode` records for a step of `shape` (compiled ahead of the first step; counted by the bench). */
  launches(shape: StepShape): Launch[];
}

/** Which row count a linear layer runs over: the step's activation rows or the head's rows. */
export type RowSource = 'rows' | 'headRows';

export interface LinearOptions {
  activation?: Activation;
  /** y += W·x instead of y = W·x (the residual adds). */
  accumulate?: boolean;
  rows?: RowSource;
}

/** One product of a grouped linear: y = act(W·x) over the step's rows. */
export interface LinearMember {
  matrix: GpuMatrix;
  /** x rows [rows, matrix.columns] from the binding's offset (a multiple of 256 bytes). */
  x: GPUBufferBinding;
  /** y rows [rows, matrix.rows] from the binding's offset (a multiple of 256 bytes). */
  y: GPUBufferBinding;
  activation?: Activation;
}

/** One dispatch of an op: the kernel with its workgroup count, and its bindings in binding order. */
export interface Launch {
  dispatch: KernelDispatch;
  bindings: readonly Binding[];
}

interface Resolved {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
}

/** What distinguishes one pipeline of a kernel from another: entry point and override values. */
function pipelineKey(kernel: KernelSpec): string {
  return `${kernel.label} ${kernel.entryPoint ?? 'main'} ${Object.values(kernel.constants ?? {}).join()}`;
}

/**
 * Builds the ops of a model's step. An op creates the pipeline and bind group of each variant of its kernel on first
 * use and keeps them (pipelines are also shared through the runner's cache). A kernel wrapper may pick override
 * values from the step's shape (the matvec batch, the matmat tile), so the variant is looked up on every encode.
 * `compile` builds the pipelines of given shapes ahead, concurrently; a variant not compiled ahead is compiled
 * synchronously by the step that first uses it, its errors surfacing as GPU validation errors of that step.
 */
export class StepBuilder {
  /**
   * @param rowsUniform the matmat `{ rows }` uniform holding N, written before each step
   * @param headRowsUniform the same for the head's row count
   */
  constructor(
    readonly runner: KernelRunner,
    private readonly rowsUniform: GPUBuffer,
    private readonly headRowsUniform: GPUBuffer,
  ) {}

  /** An op of one dispatch: `dispatch(shape)` gives the kernel and workgroups; `bindings` in binding order. */
  kernel(dispatch: (shape: StepShape) => KernelDispatch, bindings: readonly Binding[]): StepOp {
    return this.op((shape) => [{ dispatch: dispatch(shape), bindings }]);
  }

  /**
   * y = act(W·x) (or y += …) over the step's rows, for every row part of `matrix`: the batched matrix-vector
   * kernel when the rows are one token of each session and at most MAX_MATVEC_BATCH (decode, and the last-position
   * head; its sums reduced by subgroupAdd on a device with `subgroups`), the tiled matrix-matrix kernel otherwise
   * (prefill chunks). x is [rows, matrix.columns], y [rows,
   * matrix.rows].
   */
  linear(matrix: GpuMatrix, x: Binding, y: Binding, options: LinearOptions = {}): StepOp {
    return this.op(this.linearLaunches(matrix, x, y, options));
  }

  /**
   * Independent products y_i = act_i(W_i·x_i) over the step's rows, each x_i a range of one buffer, each y_i a range of
   * `outputs[0]` or `outputs[1]` (give any other writable buffer as the second when every y_i lies in the first). When
   * the rows are one token of each session and at most MAX_MATVEC_BATCH, the members whose matrices share a weights
   * buffer (GpuWeights.shareBuffers) run in one dispatch of the grouped matrix-vector kernel (up to
   * MAX_GROUPED_MEMBERS a dispatch); otherwise, and for a member whose matrix is alone in its buffer, as `linear`.
   */
  groupedLinear(members: readonly LinearMember[], outputs: readonly [GPUBuffer, GPUBuffer]): StepOp {
    const xBuffer = members[0].x.buffer;
    if (members.some((member) => member.x.buffer !== xBuffer || !outputs.includes(member.y.buffer))) {
      throw new RangeError('a grouped linear reads one x buffer and writes into its two outputs');
    }
    const single = (member: LinearMember) =>
      this.linearLaunches(member.matrix, member.x, member.y, { activation: member.activation });
    const byBuffer = new Map<GPUBuffer, LinearMember[]>();
    for (const member of members) {
      if (member.matrix.parts.length !== 1) continue;
      const buffer = member.matrix.parts[0].buffer;
      byBuffer.set(buffer, [...(byBuffer.get(buffer) ?? []), member]);
    }
    const sharing = [...byBuffer].filter(([, shared]) => shared.length > 1);
    const groups = sharing.flatMap(([buffer, shared]) =>
      Array.from({ length: Math.ceil(shared.length / MAX_GROUPED_MEMBERS) }, (_, i) => {
        const part = shared.slice(i * MAX_GROUPED_MEMBERS, (i + 1) * MAX_GROUPED_MEMBERS);
        const format = part[0].matrix.format;
        const grouped: GroupedMember[] = part.map((member) => ({
          rows: member.matrix.rows,
          columns: member.matrix.columns,
          byteOffset: member.matrix.parts[0].offset,
          activation: member.activation,
          xOffset: (member.x.offset ?? 0) / 4,
          yOffset: (member.y.offset ?? 0) / 4,
          output: outputs[0] === member.y.buffer ? 0 : 1,
        }));
        const table = uploadBuffer(this.runner.device, memberTable(format, grouped), 'grouped matvec members', UNIFORM);
        return { format, grouped, bindings: [buffer, xBuffer, ...outputs, table] };
      }),
    );
    const perMember = members.map(single);
    const aloneLaunches = perMember.filter((_, i) => !sharing.some(([, shared]) => shared.includes(members[i])));
    const subgroups = this.runner.device.features.has('subgroups');
    return this.op((shape) => {
      if (shape.rows !== shape.sessions || shape.rows > MAX_MATVEC_BATCH) {
        return perMember.flatMap((launches) => launches(shape));
      }
      return [
        ...groups.map(({ format, grouped, bindings }) => ({
          dispatch: groupedMatVecKernel({ format, members: grouped, batch: shape.rows, subgroups }),
          bindings,
        })),
        ...aloneLaunches.flatMap((launches) => launches(shape)),
      ];
    });
  }

  /** The launches of `linear`. */
  private linearLaunches(
    matrix: GpuMatrix,
    x: Binding,
    y: Binding,
    options: LinearOptions,
  ): (shape: StepShape) => Launch[] {
    const source = options.rows ?? 'rows';
    const shapeUniform = source === 'rows' ? this.rowsUniform : this.headRowsUniform;
    const epilogue = { activation: options.activation, accumulate: options.accumulate };
    const subgroups = this.runner.device.features.has('subgroups');
    const parts = matrixPartShapes(matrix).map(({ part, shape }) => ({
      binding: partBinding(part),
      shape: { ...shape, ...epilogue },
    }));
    return (shape) => {
      const rows = shape[source];
      const vectors = rows === shape.sessions && rows <= MAX_MATVEC_BATCH;
      return parts.map((part) =>
        vectors
          ? { dispatch: matVecKernel({ ...part.shape, batch: rows, subgroups }), bindings: [part.binding, x, y] }
          : { dispatch: matMatKernel({ ...part.shape, tokens: rows }), bindings: [shapeUniform, part.binding, x, y] },
      );
    };
  }

  /** Compiles, concurrently, every pipeline that steps of `shapes` run through `ops`; rejects on WGSL errors. */
  async compile(ops: readonly StepOp[], shapes: readonly StepShape[]): Promise<void> {
    const kernels = shapes.flatMap((shape) => ops.flatMap((op) => op.launches(shape).map((l) => l.dispatch.kernel)));
    await Promise.all(kernels.map((kernel) => this.runner.pipelines.load(kernel)));
  }

  /** An op encoding `launches(shape)`, with each launch's pipeline and bind group cached by its variant. */
  private op(launches: (shape: StepShape) => Launch[]): StepOp {
    const resolved: Map<string, Resolved>[] = [];
    return {
      launches,
      encode: (pass, shape) => {
        launches(shape).forEach(({ dispatch, bindings }, i) => {
          const variants = (resolved[i] ??= new Map());
          const key = pipelineKey(dispatch.kernel);
          let variant = variants.get(key);
          if (!variant) {
            const pipeline = this.runner.pipelines.get(dispatch.kernel);
            variant = { pipeline, bindGroup: this.runner.bindGroup(pipeline, bindings, dispatch.kernel.label) };
            variants.set(key, variant);
          }
          pass.setPipeline(variant.pipeline);
          pass.setBindGroup(0, variant.bindGroup);
          pass.dispatchWorkgroups(...dispatch.workgroups);
        });
      },
    };
  }
}
