/**
 * The recorded form of a forward step. A step runs B sessions of T tokens each (decode: T = 1; prefill: B = 1) over
 * N = B·T activation rows laid out [B, T, C]. Every op of the step is built once, when the model is created, with
 * its buffers fixed; what varies between steps (N, B, T, the head's row count) only changes workgroup counts and
 * uniform contents and the variant of a kernel a wrapper picks for it, so pipelines and bind groups are created once
 * per op and variant and reused by every later step.
 */
import { matrixPartShapes, type GpuMatrix } from '../gpu-matrix.js';
import type { Binding, KernelDispatch, KernelRunner } from '../kernel-runner.js';
import type { Activation } from '../kernels/activation.js';
import type { KernelSpec } from '../pipelines.js';
import { matMatKernel } from '../kernels/matmat.js';
import { MAX_MATVEC_BATCH, matVecKernel } from '../kernels/matvec.js';

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
  /**
   * The matrix holds `groups` stacked matrices [groups · out, in] (one part) applied to the matching slices of each
   * x row [groups · in]; y is [groups, rows, out] (stacked LoRAs in one dispatch). Default 1.
   */
  groups?: number;
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
    const source = options.rows ?? 'rows';
    const shapeUniform = source === 'rows' ? this.rowsUniform : this.headRowsUniform;
    const epilogue = { activation: options.activation, accumulate: options.accumulate, groups: options.groups };
    const subgroups = this.runner.device.features.has('subgroups');
    const parts = matrixPartShapes(matrix, options.groups).map(({ part, shape }) => ({
      buffer: part.buffer,
      shape: { ...shape, ...epilogue },
    }));
    return this.op((shape) => {
      const rows = shape[source];
      const vectors = rows === shape.sessions && rows <= MAX_MATVEC_BATCH;
      return parts.map((part) =>
        vectors
          ? { dispatch: matVecKernel({ ...part.shape, batch: rows, subgroups }), bindings: [part.buffer, x, y] }
          : { dispatch: matMatKernel({ ...part.shape, tokens: rows }), bindings: [shapeUniform, part.buffer, x, y] },
      );
    });
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
