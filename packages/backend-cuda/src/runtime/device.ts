import { type CudaDriver, DeviceAttr } from '../bindings/driver.js';
import type { CuDevice } from '../bindings/types.js';

/** What the runtime and the launchers need to know about one GPU. */
export interface DeviceInfo {
  readonly ordinal: number;
  readonly handle: CuDevice;
  readonly name: string;
  /** Compute capability [major, minor]. */
  readonly cc: readonly [number, number];
  /** Compile target: sm_90a on 9.0, sm_100a on 10.0 (arch-specific features: wgmma, tcgen05), else sm_XY. */
  readonly arch: string;
  readonly smCount: number;
  readonly l2Bytes: number;
  readonly maxSharedOptin: number;
  readonly maxSharedPerSm: number;
  readonly totalMemBytes: number;
  readonly clockKHz: number;
  readonly clusterLaunch: boolean;
  readonly memoryPools: boolean;
  /** e.g. 13000 for CUDA 13.0. */
  readonly driverVersion: number;
}

/** The arch-specific target for a compute capability ("a" variants only where we use their instructions). */
export function archFor(major: number, minor: number): string {
  if (major === 9 && minor === 0) return 'sm_90a';
  if (major === 10 && minor === 0) return 'sm_100a';
  return `sm_${major}${minor}`;
}

/** Numeric SM version of an arch string: 'sm_90a' → 90, 'sm_100a' → 100. */
export function archNumber(arch: string): number {
  const m = /^sm_(\d+)[a-z]?$/.exec(arch);
  return m ? Number(m[1]) : Number.NaN;
}

export function queryDevice(driver: CudaDriver, ordinal: number): DeviceInfo {
  const handle = driver.device(ordinal);
  const attr = (a: number) => driver.deviceAttribute(handle, a);
  const major = attr(DeviceAttr.computeCapabilityMajor);
  const minor = attr(DeviceAttr.computeCapabilityMinor);
  return {
    ordinal,
    handle,
    name: driver.deviceName(handle),
    cc: [major, minor],
    arch: archFor(major, minor),
    smCount: attr(DeviceAttr.multiprocessorCount),
    l2Bytes: attr(DeviceAttr.l2CacheSize),
    maxSharedOptin: attr(DeviceAttr.maxSharedMemoryPerBlockOptin),
    maxSharedPerSm: attr(DeviceAttr.maxSharedMemoryPerMultiprocessor),
    totalMemBytes: driver.deviceTotalMem(handle),
    clockKHz: attr(DeviceAttr.clockRateKHz),
    clusterLaunch: attr(DeviceAttr.clusterLaunch) !== 0,
    memoryPools: attr(DeviceAttr.memoryPoolsSupported) !== 0,
    driverVersion: driver.driverVersion(),
  };
}
