/**
 * Compute-pipeline cache. A kernel is WGSL source (already through `resolveWgsl`), an entry point and values for its
 * `override` constants; pipelines use the 'auto' layout and are cached by all three, shader modules by source.
 * `load` compiles asynchronously and reports WGSL errors with their line numbers (concurrent loads of one kernel share
 * one compilation); `get` compiles synchronously (or returns what `load` prepared) for use while encoding.
 */

export interface KernelSpec {
  /** Complete WGSL source (see `resolveWgsl` for shared snippets). */
  code: string;
  entryPoint?: string;
  /** Values of the module's `override` constants; booleans are 0 / 1. */
  constants?: Readonly<Record<string, number>>;
  label?: string;
}

function cacheKey(kernel: KernelSpec): string {
  const constants = Object.entries(kernel.constants ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join(',');
  return `${kernel.entryPoint ?? 'main'}|${constants}|${kernel.code}`;
}

export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  /** One compilation check per module: Chromium never settles a second getCompilationInfo() on the same module. */
  private readonly compilationChecks = new Map<string, Promise<void>>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** Compilations started by `load` and not finished yet. */
  private readonly pending = new Map<string, Promise<GPUComputePipeline>>();

  constructor(private readonly device: GPUDevice) {}

  /** The pipeline for `kernel`, created synchronously when not cached (compile errors surface as GPU errors). */
  get(kernel: KernelSpec): GPUComputePipeline {
    const key = cacheKey(kernel);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.device.createComputePipeline(this.descriptor(kernel));
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  /** Compiles `kernel` ahead of use; rejects with the WGSL compiler's messages when the source is invalid. */
  load(kernel: KernelSpec): Promise<GPUComputePipeline> {
    const key = cacheKey(kernel);
    const cached = this.pipelines.get(key);
    if (cached) return Promise.resolve(cached);
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.compile(kernel, key).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  /** Checks and compiles `kernel`; a pipeline that `get` created meanwhile stays the cached one. */
  private async compile(kernel: KernelSpec, key: string): Promise<GPUComputePipeline> {
    const descriptor = this.descriptor(kernel);
    await this.checkCompilation(kernel, descriptor.compute.module);
    const compiled = await this.device.createComputePipelineAsync(descriptor);
    const pipeline = this.pipelines.get(key) ?? compiled;
    this.pipelines.set(key, pipeline);
    return pipeline;
  }

  /** Rejects with the WGSL compiler's error messages when `module` (compiled from `kernel.code`) is invalid. */
  private checkCompilation(kernel: KernelSpec, module: GPUShaderModule): Promise<void> {
    let check = this.compilationChecks.get(kernel.code);
    if (!check) {
      check = module.getCompilationInfo().then((info) => {
        const errors = info.messages.filter((message) => message.type === 'error');
        if (errors.length > 0) {
          const lines = errors.map((message) => `  ${message.lineNum}:${message.linePos} ${message.message}`);
          throw new Error(`WGSL compilation of ${kernel.label ?? 'kernel'} failed:\n${lines.join('\n')}`);
        }
      });
      this.compilationChecks.set(kernel.code, check);
    }
    return check;
  }

  private descriptor(kernel: KernelSpec): GPUComputePipelineDescriptor {
    let module = this.modules.get(kernel.code);
    if (!module) {
      module = this.device.createShaderModule({ label: kernel.label, code: kernel.code });
      this.modules.set(kernel.code, module);
    }
    return {
      label: kernel.label,
      layout: 'auto',
      compute: { module, entryPoint: kernel.entryPoint ?? 'main', constants: { ...kernel.constants } },
    };
  }
}
