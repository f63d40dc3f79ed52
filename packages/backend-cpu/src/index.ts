export { cpu } from './backend.js';
export { gemmF64 } from './gemm.js';
export { outputTensor, readF64, readInts, scatterBytes, storageBytes, writeF64 } from './host.js';
export { kernels } from './kernels/index.js';
