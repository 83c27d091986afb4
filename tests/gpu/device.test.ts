/**
 * src/gpu/device.ts with a scripted WebGPU (Node has none): limit clamping, feature selection, typed errors,
 * device-lost notification and the error-scope check. The real-device counterpart is
 * tests/browser/kernels/device.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { checkGpuErrors, chooseLimits, requestGpuDevice } from '../../src/gpu/device.js';
import { DeviceLostError, GpuOutOfMemoryError, WebGPUUnavailableError } from '../../src/errors.js';

const adapterLimits = {
  maxStorageBufferBindingSize: 1 << 30,
  maxBufferSize: 2 ** 31,
  maxComputeWorkgroupStorageSize: 32768,
  maxStorageBuffersPerShaderStage: 10,
  maxComputeInvocationsPerWorkgroup: 1024,
  maxComputeWorkgroupSizeX: 1024,
  maxComputeWorkgroupsPerDimension: 65535,
  maxUniformBufferBindingSize: 65536,
} as unknown as GPUSupportedLimits;

interface ScriptedDevice {
  gpu: GPU;
  requests: GPUDeviceDescriptor[];
  loseDevice: (info: { reason: GPUDeviceLostReason; message: string }) => void;
}

function scriptedGpu(features: string[]): ScriptedDevice {
  const requests: GPUDeviceDescriptor[] = [];
  let loseDevice: ScriptedDevice['loseDevice'] = () => undefined;
  const lost = new Promise<GPUDeviceLostInfo>((resolve) => {
    loseDevice = (info) => resolve(info as GPUDeviceLostInfo);
  });
  const adapter = {
    features: new Set(features),
    limits: adapterLimits,
    info: { vendor: 'acme', architecture: 'rdna9', device: '', description: 'Acme GPU' },
    async requestDevice(descriptor: GPUDeviceDescriptor) {
      requests.push(descriptor);
      return { lost, limits: descriptor.requiredLimits, destroy: () => undefined };
    },
  };
  const gpu = { requestAdapter: async () => adapter } as unknown as GPU;
  return { gpu, requests, loseDevice: (info) => loseDevice(info) };
}

describe('chooseLimits', () => {
  it('asks for what the caller needs, never more than the adapter offers, and the maximum otherwise', () => {
    const limits = chooseLimits(adapterLimits, { maxStorageBufferBindingSize: 1 << 27, maxBufferSize: 2 ** 40 });
    expect(limits.maxStorageBufferBindingSize).toBe(1 << 27);
    expect(limits.maxBufferSize).toBe(2 ** 31);
    expect(limits.maxComputeWorkgroupStorageSize).toBe(32768);
    expect(limits.maxStorageBuffersPerShaderStage).toBe(10);
  });
});

describe('requestGpuDevice', () => {
  it('throws WebGPUUnavailableError where there is no WebGPU or no adapter', async () => {
    await expect(requestGpuDevice()).rejects.toThrow(WebGPUUnavailableError);
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    await expect(requestGpuDevice({ gpu: noAdapter })).rejects.toThrow(/no GPU adapter/);
  });

  it('wraps a refused device request in WebGPUUnavailableError', async () => {
    const refusing = {
      requestAdapter: async () => ({
        features: new Set(),
        limits: adapterLimits,
        info: {},
        requestDevice: async () => {
          throw new Error('limit too high');
        },
      }),
    } as unknown as GPU;
    await expect(requestGpuDevice({ gpu: refusing })).rejects.toThrow(
      /refused to create a device: Error: limit too high/,
    );
  });

  it('requests the optional features the adapter has and the clamped limits', async () => {
    const scripted = scriptedGpu(['shader-f16', 'timestamp-query', 'texture-compression-bc']);
    const context = await requestGpuDevice({ gpu: scripted.gpu, limits: { maxBufferSize: 1000 } });
    expect(scripted.requests[0].requiredFeatures).toEqual(['shader-f16', 'timestamp-query']);
    expect(scripted.requests[0].requiredLimits).toMatchObject({
      maxBufferSize: 1000,
      maxStorageBuffersPerShaderStage: 10,
    });
    expect([...context.features]).toEqual(['shader-f16', 'timestamp-query']);
    expect(context.adapter.description).toBe('Acme GPU');
  });

  it('reports device loss through the promise and the callbacks, also to late subscribers', async () => {
    const scripted = scriptedGpu([]);
    const context = await requestGpuDevice({ gpu: scripted.gpu });
    const seen: DeviceLostError[] = [];
    context.onLost((error) => seen.push(error));
    const unsubscribed: DeviceLostError[] = [];
    context.onLost((error) => unsubscribed.push(error))();
    expect(context.isLost).toBe(false);
    scripted.loseDevice({ reason: 'unknown', message: 'driver reset' });
    const error = await context.lost;
    expect(error).toBeInstanceOf(DeviceLostError);
    expect(error.message).toMatch(/driver reset/);
    expect(seen).toEqual([error]);
    expect(unsubscribed).toEqual([]);
    expect(context.isLost).toBe(true);
    const late: DeviceLostError[] = [];
    context.onLost((lateError) => late.push(lateError));
    expect(late).toEqual([error]);
  });
});

describe('checkGpuErrors', () => {
  function deviceWithScopes(outOfMemory: GPUError | null, validation: GPUError | null): GPUDevice {
    const scopes: GPUErrorFilter[] = [];
    return {
      pushErrorScope: (filter: GPUErrorFilter) => scopes.push(filter),
      popErrorScope: async () => (scopes.pop() === 'out-of-memory' ? outOfMemory : validation),
    } as unknown as GPUDevice;
  }

  it('returns the work result when the scopes are clean', async () => {
    await expect(checkGpuErrors(deviceWithScopes(null, null), 'adding', () => 42)).resolves.toBe(42);
  });

  it('turns an out-of-memory error into GpuOutOfMemoryError naming the work', async () => {
    const device = deviceWithScopes({ message: 'allocation failed' } as GPUError, null);
    await expect(checkGpuErrors(device, 'uploading the head', () => 1)).rejects.toThrow(GpuOutOfMemoryError);
    await expect(checkGpuErrors(device, 'uploading the head', () => 1)).rejects.toThrow(
      /out of memory while uploading the head: allocation failed/,
    );
  });

  it('turns a validation error into an Error with the driver message, and rethrows work failures', async () => {
    const invalid = deviceWithScopes(null, { message: 'binding 3 missing' } as GPUError);
    await expect(checkGpuErrors(invalid, 'running x', () => 1)).rejects.toThrow(/validation error while running x/);
    const failing = () => Promise.reject(new RangeError('bad shape'));
    await expect(checkGpuErrors(deviceWithScopes(null, null), 'x', failing)).rejects.toThrow(RangeError);
  });
});
