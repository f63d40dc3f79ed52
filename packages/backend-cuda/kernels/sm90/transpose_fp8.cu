// Byte-matrix transpose for the FP8 GEMMs on Hopper: dst[c][r] = src[r][c] (fp8 = bytes, any format).
// wgmma reads FP8 operands K-major only, so the ragged-K launcher (src/ops/sm90/ragged-k-sm90.ts) turns an
// M-major A [K, M] / N-major B [K, N] into a K-major workspace [M][Kp] / [N][Kp] with this kernel first.
//
// One 256-thread CTA per 64x64 tile, staged in shared memory: each thread loads one 16-byte row chunk and
// stores one 16-byte column chunk, so global traffic is whole 16-byte accesses both ways (the transpose is a
// pure bandwidth pass: 2 bytes moved per element). `vec` = the launcher checked the 16-byte alignment of both
// bases and row strides; partial (edge) tiles and unaligned inputs take the bytewise path.
#define TILE 64
// Row pitch of the staging tile: 68 bytes keeps 4-byte alignment for the row writes and spreads the column
// reads of a warp (16 rows apart per quarter-warp) over two bank groups instead of one.
#define PITCH (TILE + 4)

extern "C" __global__ void __launch_bounds__(256) sm90_transpose_u8(const unsigned char* __restrict__ src,
                                                                    unsigned char* __restrict__ dst, int rows,
                                                                    int cols, long src_ld, long dst_ld, int vec) {
  __shared__ __align__(16) unsigned char tile[TILE * PITCH];
  const long r0 = (long)blockIdx.x * TILE;  // source rows (K: the long dimension) on x, no 65535 limit
  const int c0 = blockIdx.y * TILE;
  const int t = threadIdx.x;
  const bool full = vec && r0 + TILE <= rows && c0 + TILE <= cols;

  // Load: row t/4, bytes (t%4)*16 .. +15 of the tile.
  {
    const int lr = t >> 2, lc = (t & 3) * 16;
    unsigned char* s = tile + lr * PITCH + lc;
    if (full) {
      const uint4 v = *reinterpret_cast<const uint4*>(src + (r0 + lr) * src_ld + c0 + lc);
      unsigned* s4 = reinterpret_cast<unsigned*>(s);
      s4[0] = v.x;
      s4[1] = v.y;
      s4[2] = v.z;
      s4[3] = v.w;
    } else {
      for (int i = 0; i < 16; ++i) {
        const long r = r0 + lr;
        const int c = c0 + lc + i;
        s[i] = (r < rows && c < cols) ? src[r * src_ld + c] : 0;
      }
    }
  }
  __syncthreads();

  // Store: destination row c0 + t/4 (a source column), bytes (t%4)*16 .. +15 (16 source rows).
  const int oc = t >> 2, orr = (t & 3) * 16;
  unsigned w[4];
#pragma unroll
  for (int q = 0; q < 4; ++q) {
    unsigned x = 0;
#pragma unroll
    for (int i = 0; i < 4; ++i) x |= (unsigned)tile[(orr + 4 * q + i) * PITCH + oc] << (8 * i);
    w[q] = x;
  }
  unsigned char* d = dst + (long)(c0 + oc) * dst_ld + r0 + orr;
  if (full) {
    *reinterpret_cast<uint4*>(d) = make_uint4(w[0], w[1], w[2], w[3]);
  } else if (c0 + oc < cols) {
    for (int i = 0; i < 16 && r0 + orr + i < rows; ++i) d[i] = (unsigned char)(w[i / 4] >> (8 * (i % 4)));
  }
}
