/**
 * Encodes kernels: pipeline from the cache, a bind group built from a list of buffers (binding i of group 0 is
 * `bindings[i]`), then the dispatch. `run` is the one-shot form (its own command buffer, errors checked) used by
 * tests and set-up work; a forward pass calls `encode` many times inside one compute pass.
 */
import { checkGpuErrors } from './device.js';
import { PipelineCache } from './pipelines.js';
import type { KernelSpec } from './pipelines.js';

/** A whole buffer or a range of one. */
export type Binding = GPUBuffer | GPUBufferBinding;

/** A kernel ready to dispatch: what to compile and how many workgroups to launch. */
export interface KernelDispatch {
  kernel: KernelSpec;
  workgroups: readonly [number, number, number];
  /**
   * Bytes the dispatch reads from binding i where it reads only part of the binding (a gather of table rows, the
   * state of its sessions in the state slots); every other binding is read whole. What the bench counts.
   */
  partialReads?: Readonly<Record<number, number>>;
  /** The longest chain of dependent steps one invocation runs (a WKV scan: one per token); 1 when absent. */
  serialSteps?: number;
}

function bindingResource(binding: Binding): GPUBufferBinding {
  return 'buffer' in binding ? binding : { buffer: binding };
}

export class KernelRunner {
  readonly pipelines: PipelineCache;

  constructor(readonly device: GPUDevice) {
    this.pipelines = new PipelineCache(device);
  }

  /** A bind group for group 0 of `pipeline` with `bindings[i]` at binding i. */
  bindGroup(pipeline: GPUComputePipeline, bindings: readonly Binding[], label?: string): GPUBindGroup {
    return this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: bindings.map((binding, index) => ({ binding: index, resource: bindingResource(binding) })),
    });
  }

  /** Records `dispatch` with `bindings` into an open compute pass. */
  encode(pass: GPUComputePassEncoder, dispatch: KernelDispatch, bindings: readonly Binding[]): void {
    const pipeline = this.pipelines.get(dispatch.kernel);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, this.bindGroup(pipeline, bindings, dispatch.kernel.label));
    pass.dispatchWorkgroups(...dispatch.workgroups);
  }

  /** Compiles (reporting WGSL errors), encodes, submits and waits for one dispatch; GPU errors are thrown. */
  async run(dispatch: KernelDispatch, bindings: readonly Binding[]): Promise<void> {
    await this.pipelines.load(dispatch.kernel);
    await this.submitPass(dispatch.kernel.label ?? 'a kernel', (pass) => this.encode(pass, dispatch, bindings));
  }

  /** Records one compute pass with `record`, submits it and waits for the GPU; GPU errors are thrown. */
  async submitPass(label: string, record: (pass: GPUComputePassEncoder) => void): Promise<void> {
    await checkGpuErrors(this.device, `running ${label}`, async () => {
      const encoder = this.device.createCommandEncoder({ label });
      const pass = encoder.beginComputePass({ label });
      record(pass);
      pass.end();
      this.device.queue.submit([encoder.finish()]);
      await this.device.queue.onSubmittedWorkDone();
    });
  }
}
