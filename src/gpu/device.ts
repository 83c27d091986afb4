/**
 * WebGPU adapter and device acquisition. Asks the adapter for the limits the caller needs (clamped to what the
 * adapter offers, so a request never fails for being too greedy) and for every optional feature we can use
 * (`shader-f16`, `subgroups`, `timestamp-query`) that the adapter has. Failures become typed errors:
 * `WebGPUUnavailableError` (no WebGPU, no adapter, device refused), `DeviceLostError` (via `lost` / `onLost`) and
 * `GpuOutOfMemoryError` (allocation checked with `checkGpuErrors`, which uses error scopes).
 */
import { DeviceLostError, GpuOutOfMemoryError, WebGPUUnavailableError } from '../errors.js';

/** The limits this runtime cares about (all "higher is better" limits). */
const TUNED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
  'maxUniformBufferBindingSize',
] as const;

export type TunedLimit = (typeof TUNED_LIMITS)[number];

/** Optional features requested whenever the adapter has them. */
export const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as const;

export type OptionalFeature = (typeof OPTIONAL_FEATURES)[number];

export interface GpuDeviceOptions {
  /**
   * Limits the caller needs. Each is clamped to the adapter's value; a limit left out is requested at the
   * adapter's maximum. Read `GpuContext.limits` for what was granted.
   */
  limits?: Partial<Record<TunedLimit, number>>;
  powerPreference?: GPUPowerPreference;
  /** The WebGPU entry point; `navigator.gpu` by default. */
  gpu?: GPU;
  label?: string;
}

export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapter: GpuAdapterSummary;
  readonly features: ReadonlySet<OptionalFeature>;
  readonly limits: GPUSupportedLimits;
  /** Resolves (never rejects) once the device is lost, with the error to report; also after `destroy()`. */
  readonly lost: Promise<DeviceLostError>;
  /** Calls `callback` when the device is lost (at once if it already was); returns an unsubscribe function. */
  onLost(callback: (error: DeviceLostError) => void): () => void;
  readonly isLost: boolean;
  destroy(): void;
}

function navigatorGpu(): GPU | undefined {
  return typeof navigator === 'undefined' ? undefined : navigator.gpu;
}

/** Requested limits: the caller's needs (or the adapter's maximum), never above what the adapter offers. */
export function chooseLimits(
  adapterLimits: GPUSupportedLimits,
  needs: Partial<Record<TunedLimit, number>> = {},
): Record<TunedLimit, number> {
  const chosen = {} as Record<TunedLimit, number>;
  for (const name of TUNED_LIMITS) {
    const offered = adapterLimits[name];
    chosen[name] = Math.min(needs[name] ?? offered, offered);
  }
  return chosen;
}

/** Requests an adapter and a device; throws `WebGPUUnavailableError` with the reason when it cannot. */
export async function requestGpuDevice(options: GpuDeviceOptions = {}): Promise<GpuContext> {
  const gpu = options.gpu ?? navigatorGpu();
  if (!gpu) {
    throw new WebGPUUnavailableError(
      'WebGPU is not available here (navigator.gpu is undefined): use a browser with WebGPU enabled ' +
        '(Chrome/Edge 113+, or Chromium with --enable-unsafe-webgpu).',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new WebGPUUnavailableError('WebGPU is enabled but no GPU adapter is available (blocklisted or headless?).');
  }
  const features = new Set(OPTIONAL_FEATURES.filter((feature) => adapter.features.has(feature)));
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      label: options.label ?? 'rwkv-webgpu',
      requiredFeatures: [...features],
      requiredLimits: chooseLimits(adapter.limits, options.limits),
    });
  } catch (cause) {
    throw new WebGPUUnavailableError(`The GPU adapter refused to create a device: ${String(cause)}`, { cause });
  }
  return trackDevice(device, adapter.info, features);
}

function trackDevice(device: GPUDevice, info: GPUAdapterInfo, features: Set<OptionalFeature>): GpuContext {
  const callbacks = new Set<(error: DeviceLostError) => void>();
  let lostError: DeviceLostError | undefined;
  const lost = device.lost.then((lostInfo) => {
    const why = lostInfo.reason === 'destroyed' ? 'it was destroyed' : `of: ${lostInfo.message || 'unknown reason'}`;
    lostError = new DeviceLostError(`The GPU device was lost because ${why}. Create a new engine to continue.`);
    for (const callback of callbacks) callback(lostError);
    callbacks.clear();
    return lostError;
  });
  return {
    device,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
    },
    features,
    limits: device.limits,
    lost,
    onLost(callback) {
      if (lostError) {
        callback(lostError);
        return () => undefined;
      }
      callbacks.add(callback);
      return () => callbacks.delete(callback);
    },
    get isLost() {
      return lostError !== undefined;
    },
    destroy() {
      device.destroy();
    },
  };
}

/**
 * Runs `work` (buffer allocations, pipeline creation, submissions) inside 'out-of-memory' and 'validation' error
 * scopes: an out-of-memory error becomes `GpuOutOfMemoryError` naming `what`; a validation error (a bug in this
 * library, not in the input) becomes a plain Error with the driver's message.
 */
export async function checkGpuErrors<T>(device: GPUDevice, what: string, work: () => T | Promise<T>): Promise<T> {
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let outcome: { value: T } | { failure: unknown };
  try {
    outcome = { value: await work() };
  } catch (failure) {
    outcome = { failure };
  }
  const outOfMemory = await device.popErrorScope();
  const invalid = await device.popErrorScope();
  if (outOfMemory) {
    throw new GpuOutOfMemoryError(
      `The GPU ran out of memory while ${what}: ${outOfMemory.message}. Use a smaller model, fewer sessions ` +
        'or a shorter prefill chunk.',
    );
  }
  if (invalid) throw new Error(`WebGPU validation error while ${what}: ${invalid.message}`);
  if ('failure' in outcome) throw outcome.failure;
  return outcome.value;
}
