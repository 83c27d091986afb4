/** src/gpu/device.ts on the real (SwiftShader) adapter: limits, features, error scopes, device loss. */
import { describe, expect, it } from 'vitest';
import { checkGpuErrors, OPTIONAL_FEATURES, requestGpuDevice } from '../../../src/gpu/device.js';
import { DeviceLostError } from '../../../src/errors.js';

describe('requestGpuDevice in the browser', () => {
  it('grants at least the default limits, caps to the request, and only features the adapter has', async () => {
    const context = await requestGpuDevice({ limits: { maxStorageBufferBindingSize: 64 << 20 } });
    expect(context.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(64 << 20);
    expect(context.limits.maxBufferSize).toBeGreaterThanOrEqual(256 << 20);
    expect(context.limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
    for (const feature of context.features) {
      expect(OPTIONAL_FEATURES).toContain(feature);
      expect(context.device.features.has(feature)).toBe(true);
    }
    context.destroy();
  });

  it('reports a validation error from inside an error scope', async () => {
    const context = await requestGpuDevice();
    const invalid = () =>
      context.device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
    await expect(checkGpuErrors(context.device, 'creating a buffer', invalid)).rejects.toThrow(/validation error/);
    context.destroy();
  });

  it('resolves `lost` with a DeviceLostError once the device is destroyed', async () => {
    const context = await requestGpuDevice();
    const seen: DeviceLostError[] = [];
    context.onLost((error) => seen.push(error));
    context.destroy();
    const error = await context.lost;
    expect(error).toBeInstanceOf(DeviceLostError);
    expect(error.message).toMatch(/destroyed/);
    expect(seen).toEqual([error]);
    expect(context.isLost).toBe(true);
  });
});
