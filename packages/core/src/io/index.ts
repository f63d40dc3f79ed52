export {
  type BlockScaledOptions,
  type BlockScaledWeight,
  type Fp8Checkpoint,
  loadFp8Checkpoint,
  openBlockScaledWeight,
} from './block-scaled.js';
export {
  type ByteSource,
  openRandomAccessFile,
  type RandomAccessFile,
  readFileBytes,
  writeFileBytes,
} from './node-fs.js';
export { type NpyReadOptions, parseNpy, readNpy, saveNpy, writeNpy } from './npy.js';
export {
  parseSafetensors,
  parseSafetensorsHeader,
  readSafetensors,
  type SafetensorsEntry,
  type SafetensorsFile,
  type SafetensorsHeader,
  safetensorsDtypeName,
  safetensorsHeaderLength,
  saveSafetensors,
  writeSafetensors,
} from './safetensors.js';
export { openSafetensors, SafetensorsReader } from './safetensors-reader.js';
