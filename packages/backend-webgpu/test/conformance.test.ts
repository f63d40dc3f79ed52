import { cpu } from '@gemmkit/backend-cpu';
import { isGemmkitError } from '@gemmkit/core';
import { defineConformance } from '@gemmkit/core/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { webgpu } from '../src/index.js';
import { REQUIRE_WEBGPU } from './helpers.js';

// The shared suite: every op with a WGSL kernel, webgpu (Mesa lavapipe in CI) against the cpu reference.
// Without an adapter this file fails when CI / GEMMKIT_REQUIRE_WEBGPU is set; elsewhere it checks that the
// unavailability is reported as a GemmkitError('E_DEVICE') with a reason.
let unavailable: unknown = null;
try {
  await defineConformance({ factory: webgpu(), reference: cpu(), describe, it, expect, afterAll });
} catch (e) {
  if (REQUIRE_WEBGPU) throw e;
  unavailable = e;
}

describe('webgpu availability', () => {
  it(unavailable ? 'reports why it is unavailable' : 'is available', () => {
    if (unavailable) {
      expect(isGemmkitError(unavailable, 'E_DEVICE')).toBe(true);
      expect(String((unavailable as Error).message)).toMatch(/webgpu|adapter|WebGPU/);
    } else expect(unavailable).toBe(null);
  });
});
