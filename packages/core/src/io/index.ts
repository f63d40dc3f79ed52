export {
  type BlockScaledOptions,
  type BlockScaledWeight,
  type Fp8Checkpoint,
  loadFp8Checkpoint,
  openBlockScaledWeight,
} from './block-scaled.js';
export { type ByteSource, readFileBytes, writeFileBytes } from './node-fs.js';
export { type NpyReadOptions, parseNpy, readNpy, saveNpy, writeNpy } from './npy.js';
export {
  parseSafetensors,
  readSafetensors,
  type SafetensorsFile,
  safetensorsDtypeName,
  saveSafetensors,
  writeSafetensors,
} from './safetensors.js';
