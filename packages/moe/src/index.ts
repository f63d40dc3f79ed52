export {
  type ContiguousLayout,
  contiguousLayout,
  type GroupedRows,
  groupedRowsFromCounts,
} from './contiguous-layout.js';
export {
  type DeviceRoutingOptions,
  layoutOnDevice,
  type OnBackend,
  permuteOnDevice,
  routeOnDevice,
  unpermuteOnDevice,
} from './device.js';
export { type Fp8ExpertNames, loadFp8Experts } from './fp8-experts.js';
export {
  FUSED_MOE_OPS,
  type FusedMoeArgs,
  type FusedMoeResult,
  fusedMoe,
} from './fused-moe.js';
export { type MaskedLayout, maskedLayout } from './masked-layout.js';
export { type Fp8ExpertWeights, type MoeLayerArgs, type MoeLayerResult, moeLayer } from './moe-layer.js';
export {
  packMasked,
  permute,
  type RowMap,
  type UnpermuteOptions,
  unpackMasked,
  unpermute,
} from './permute.js';
export { type ExpertValues, fp8BlockWeightValues, swigluExpertReference } from './reference.js';
export { expertCounts, type TopkRouting, type TopkRoutingOptions, topkRouting } from './routing.js';
export { type IndexInput, SegmentGemm, type SegmentGemmRunArgs } from './segment-gemm.js';
