// Hopper (sm_90a) FP4 GEMM for mmFp4 (W4A16, NVFP4×NVFP4, MXFP4×MXFP4):
//   C[x, y] = alpha · Σ_k X[x, k] · Y[y, k],   out[m, n] = C[m, n] (SWAP 0) or C[n, m] (SWAP 1).
// X and Y are K-major operands; each is either bf16 (the W4A16 activation, loaded by TMA with 128B swizzle
// straight into the form wgmma reads) or FP4 (packed e2m1 pairs + block scales in the 128x4 swizzled layout).
// SWAP 1 puts the weight in X so that N fills the 64-row side of wgmma and a tiny M becomes its N (8..64).
//
// Structure (see docs/fp4.md):
//  * one producer warpgroup whose elected thread streams raw FP4 tiles (TMA, 64 bytes = 128 k per row), the
//    bf16 tiles (TMA, 128B swizzle) and the block scales (1-D bulk copies of whole 512-byte swizzle chunks)
//    into a STAGES-deep ring on full/empty mbarriers. FP4 is small, so the ring keeps many bytes in flight.
//  * BM/64 math warpgroups decode the FP4 tiles of a stage (e2m1 → bf16 by byte permutes, × block scale in
//    bf16, exact) into one of two bf16 buffers laid out exactly like a TMA 128B-swizzled tile, make the
//    writes visible to the async proxy, and issue bf16 wgmma m64nBNk16 (f32 accumulation, the tensor core's
//    bf16 path accumulates in full f32). Decoding block i+1 overlaps the asynchronous wgmma of block i.
//  * persistent grid over (tile, K split) units; split-K partials go to an f32 workspace and the last split
//    of a tile sums them in split order (deterministic), then re-arms the tile counter.
//  * alpha is applied in f32 in the epilogue. Edges: TMA zero-fills rows/K beyond the tensor, scales of k ≥ K
//    read as 0, stores are predicated.
//  * sm_100a has no wgmma: there the math warps multiply the same tiles with mma.sync m16n8k16 (ldmatrix from
//    the swizzled layout; same accumulator layout). That build is compile-checked only and the launcher does
//    not use it (no Blackwell run yet); the sm_90a binary is unaffected by it.
// Requires K % 32 == 0, 16-byte aligned bases, contiguous rows (TMA), scales in the swizzled layout
// (the launcher converts 'linear' scales with fp4_sm90_swizzle_scales).


#ifndef BM  // rows of the X tile: 64 or 128 (one math warpgroup per 64)
#define BM 128
#endif
#ifndef BN  // rows of the Y tile = wgmma N
#define BN 128
#endif
#ifndef X_FP4
#define X_FP4 0
#endif
#ifndef Y_FP4
#define Y_FP4 1
#endif
#ifndef SWAP
#define SWAP 0
#endif
#ifndef MX  // 0 = NVFP4 (e4m3 per 16), 1 = MXFP4 (ue8m0 per 32)
#define MX 0
#endif
#ifndef OUT_KIND  // 0 = bf16, 1 = f16
#define OUT_KIND 0
#endif
#ifndef GROUP_X  // rasterization: bands of GROUP_X X-blocks walk the Y blocks (L2 reuse of Y)
#define GROUP_X 8
#endif
#ifndef KERNEL_NAME
#define KERNEL_NAME fp4_gemm_sm90
#endif
#ifndef XREG  // swap-AB W4A16: decode the weight straight into wgmma A registers (the launcher sets it)
#define XREG 0
#endif

#define BLOCK_K 128
#define VEC (MX ? 32 : 16)
#define SC_CHUNKS (BLOCK_K / VEC / 4)  // 512-byte scale chunks per 128 rows per K block (2 or 1)
#define NUM_MATH_WG (BM / 64)
#define NUM_MATH_THREADS (NUM_MATH_WG * 128)
#define NUM_THREADS (NUM_MATH_THREADS + 128)
#define ACC_REGS (BN / 2)
#define X_BYTES (X_FP4 ? BM * 64 : BM * 256)
#define Y_BYTES (Y_FP4 ? BN * 64 : BN * 256)
#define X_SC_BLKS (X_FP4 ? (BM + 127) / 128 : 0)
#define Y_SC_BLKS (Y_FP4 ? (BN + 127) / 128 : 0)
#define X_SC_OFF (X_BYTES + Y_BYTES)
#define Y_SC_OFF (X_SC_OFF + X_SC_BLKS * SC_CHUNKS * 512)
#define STAGE_RAW (Y_SC_OFF + Y_SC_BLKS * SC_CHUNKS * 512)
#define STAGE_BYTES ((STAGE_RAW + 1023) / 1024 * 1024)
#define DX_BYTES (X_FP4 ? BM * 256 : 0)
#define DEC_BYTES (DX_BYTES + (Y_FP4 ? BN * 256 : 0))
#ifndef STAGES  // as deep as 227 KiB allow (capped at 12); the launcher computes the same number
#define STAGES_FIT ((227 * 1024 - 2 * DEC_BYTES - 1024 - 256) / STAGE_BYTES)
#define STAGES (STAGES_FIT > 12 ? 12 : STAGES_FIT)
#endif
// Dynamic shared memory the launcher must request: ring + 2 decode buffers + barriers and the split-K flag
// (256 bytes) + 1 KiB alignment slack.
#define SMEM_BYTES (STAGES * STAGE_BYTES + 2 * DEC_BYTES + 256 + 1024)

static_assert(BM == 64 || BM == 128, "BM is 64 or 128");
static_assert(X_FP4 || Y_FP4, "at least one FP4 operand");
static_assert(STAGES >= 2 && SMEM_BYTES <= 227 * 1024, "shared memory");

// The tensor-core path: wgmma on sm_90a. wgmma does not exist on sm_100a, where the same pipeline and decode
// feed warp-level mma.sync from the same swizzled tiles instead (compile-checked only: see docs/fp4.md).
#if defined(__CUDA_ARCH_FEAT_SM90_ALL) || !defined(__CUDA_ARCH__)
#define GK_WGMMA 1
#else
#define GK_WGMMA 0
#endif
// Register-A operands exist only for wgmma: the mma.sync build (sm_100a) keeps the shared-memory decode.
#if XREG && !GK_WGMMA
#undef XREG
#define XREG 0
#endif

#include "hopper.cuh"  // TMA, mbarriers, wgmma descriptors (shared with the other sm90 kernels)

// Generic-proxy smem writes (the decode) must be made visible to the async proxy (wgmma) before it reads them.
__device__ __forceinline__ void fence_async_smem() { asm volatile("fence.proxy.async.shared::cta;" ::: "memory"); }
__device__ __forceinline__ void math_barrier() { asm volatile("bar.sync 1, %0;" ::"n"(NUM_MATH_THREADS) : "memory"); }

// d = X(64x16, smem) · Y(BN x16, smem)^T + (scale_d ? d : 0), bf16 in, f32 accumulate (one per BN).
__device__ __forceinline__ void wgmma_bf16(float* d, u64 dx, u64 dy, int scale_d) {
#if BN == 8
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %6, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3}, "
      "%4, %5, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "l"(dx), "l"(dy), "r"(scale_d));
#elif BN == 16
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %10, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7}, "
      "%8, %9, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7])
      : "l"(dx), "l"(dy), "r"(scale_d));
#elif BN == 32
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %18, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n32k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15}, "
      "%16, %17, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15])
      : "l"(dx), "l"(dy), "r"(scale_d));
#elif BN == 64
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %34, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%"
      "27,%28,%29,%30,%31}, "
      "%32, %33, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
      : "l"(dx), "l"(dy), "r"(scale_d));
#elif BN == 128
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%"
      "27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%"
      "52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63}, "
      "%64, %65, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
        "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
        "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
        "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
        "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
      : "l"(dx), "l"(dy), "r"(scale_d));
#elif BN == 256
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %130, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%"
      "27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%"
      "52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63,%64,%65,%66,%67,%68,%69,%70,%71,%72,%73,%74,%75,%76,%"
      "77,%78,%79,%80,%81,%82,%83,%84,%85,%86,%87,%88,%89,%90,%91,%92,%93,%94,%95,%96,%97,%98,%99,%100,%101"
      ",%102,%103,%104,%105,%106,%107,%108,%109,%110,%111,%112,%113,%114,%115,%116,%117,%118,%119,%120,%121"
      ",%122,%123,%124,%125,%126,%127}, "
      "%128, %129, p, 1, 1, 0, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
        "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
        "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
        "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
        "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]),
        "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]),
        "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]),
        "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]),
        "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]),
        "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]),
        "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]),
        "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]),
        "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
      : "l"(dx), "l"(dy), "r"(scale_d));
#else
#error BN must be 8, 16, 32, 64, 128 or 256
#endif
}

#if XREG
// d += X(64x16, A fragment in registers) · Y(BN x16, smem)^T, bf16 → f32 (the XREG path).
__device__ __forceinline__ void wgmma_bf16_ra(float* d, u32 a0, u32 a1, u32 a2, u32 a3, u64 dy) {
#if BN == 8
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %9, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n8k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3}, "
      "{%4, %5, %6, %7}, %8, p, 1, 1, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "l"(dy), "r"(1));
#elif BN == 16
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %13, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n16k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7}, "
      "{%8, %9, %10, %11}, %12, p, 1, 1, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "l"(dy), "r"(1));
#elif BN == 32
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %21, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n32k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15}, "
      "{%16, %17, %18, %19}, %20, p, 1, 1, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "l"(dy), "r"(1));
#elif BN == 64
  asm volatile(
      "{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%"
      "27,%28,%29,%30,%31}, "
      "{%32, %33, %34, %35}, %36, p, 1, 1, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
        "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
      : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "l"(dy), "r"(1));
#else
#error XREG needs BN 8, 16, 32 or 64
#endif
}
#endif

// Tie the accumulator registers to this point so the compiler cannot move their reads/writes across the
// asynchronous wgmma issue/wait.
__device__ __forceinline__ void fence_regs(float* r) {
#pragma unroll
  for (int i = 0; i < ACC_REGS; ++i) asm volatile("" : "+f"(r[i])::"memory");
}

#if !GK_WGMMA
// One 128-wide K block of this warp's 16 rows × BN with mma.sync m16n8k16 (bf16 → f32), operands read from
// the 128B-swizzled tiles by ldmatrix. The accumulator fragment equals wgmma's per-warp layout.
__device__ __forceinline__ void mma_block_sync(float* acc, const unsigned char* xt, const unsigned char* yt,
                                               int warp, int lane) {
#pragma unroll
  for (int j = 0; j < BLOCK_K / 16; ++j) {
    const int h = j >> 2, c = (j & 3) * 2;
    const int mat = lane >> 3, rin = lane & 7;
    const int row = warp * 16 + (mat & 1) * 8 + rin;
    u32 a0, a1, a2, a3;
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(a0), "=r"(a1), "=r"(a2), "=r"(a3)
                 : "r"(smem_addr(xt + h * BM * 128 + row * 128 + (((c + (mat >> 1)) ^ rin) << 4))));
    const int ym = (lane >> 3) & 1;
#pragma unroll
    for (int nt = 0; nt < BN / 8; ++nt) {
      u32 b0, b1;
      asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];"
                   : "=r"(b0), "=r"(b1)
                   : "r"(smem_addr(yt + h * BN * 128 + (nt * 8 + rin) * 128 + (((c + ym) ^ rin) << 4))));
      float* d = acc + 4 * nt;
      asm volatile(
          "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
          "{%0, %1, %2, %3};"
          : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
          : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
    }
  }
}
#endif

// ---------------------------------------------------------------- FP4 decode
__device__ __forceinline__ u32 prmt(u32 a, u32 b, u32 sel) {
  u32 r;
  asm("prmt.b32 %0, %1, %2, %3;" : "=r"(r) : "r"(a), "r"(b), "r"(sel));
  return r;
}

// A block scale as bf16x2 (both halves). Both encodings are exact in bf16: e4m3 has 4 significant bits,
// ue8m0 is a power of two (2^-127 is a bf16 subnormal; 0xff is NaN).
__device__ __forceinline__ u32 scale_bf16x2(u32 s) {
#if MX
  const u32 h = s == 0 ? 0x0040u : (s == 255 ? 0x7fc0u : s << 7);
  return h | (h << 16);
#else
  u32 hf;
  asm("cvt.rn.f16x2.e4m3x2 %0, %1;" : "=r"(hf) : "h"((u16)s));
  float f;
  asm("{\n.reg .b16 lo, hi;\nmov.b32 {lo, hi}, %1;\ncvt.f32.f16 %0, lo;\n}" : "=f"(f) : "r"(hf));
  u32 h;
  asm("cvt.rn.bf16x2.f32 %0, %1, %1;" : "=r"(h) : "f"(f));
  return h;
#endif
}

// Eight e2m1 values (nibbles of w, low nibble first) → four bf16x2 words, times the block scale s2 (bf16x2).
// Magnitudes come from two 8-entry byte tables (low and high byte of the bf16 of 0, .5, 1, 1.5, 2, 3, 4, 6)
// through prmt; the sign nibble bit selects prmt's sign-replicate mode on a 0x80 table (0x80 stays 0x80 for
// +, becomes 0xff for -), whose bit 6 is the sign. Every product e2m1·scale has ≤ 6 significant bits: exact.
__device__ __forceinline__ void decode8(u32 w, u32 s2, u32* o) {
  const u32 TL0 = 0xC0800000u, TL1 = 0xC0804000u;  // low bytes  of bf16(|v|), v index 0..3, 4..7
  const u32 TH0 = 0x3F3F3F00u, TH1 = 0x40404040u;  // high bytes of bf16(|v|)
  const u32 mag = w & 0x77777777u;
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const u32 sel = h ? mag >> 16 : mag;
    const u32 ssel = h ? w >> 16 : w;
    const u32 lo = prmt(TL0, TL1, sel);
    u32 hi = prmt(TH0, TH1, sel);
    const u32 sg = prmt(0x80808080u, 0x80808080u, ssel);
    hi |= (sg << 1) & 0x80808080u;
    u32 p0 = prmt(lo, hi, 0x5140), p1 = prmt(lo, hi, 0x7362);
    // exact product: fma with -0 addend (keeps the sign of zero products)
    asm("fma.rn.bf16x2 %0, %1, %2, %3;" : "=r"(o[2 * h]) : "r"(p0), "r"(s2), "r"(0x80008000u));
    asm("fma.rn.bf16x2 %0, %1, %2, %3;" : "=r"(o[2 * h + 1]) : "r"(p1), "r"(s2), "r"(0x80008000u));
  }
}

// Decode one operand tile of R rows × 128 k from the raw stage (row-major, 64 bytes per row) into two
// 128B-swizzled bf16 sub-tiles (k 0..63 and 64..127, R × 128 bytes each). One unit = 16 values of one row
// = 8 raw bytes = one NVFP4 scale block (half an MXFP4 block). `sc` holds SC_CHUNKS 512-byte chunks per
// 128-row block of the tile, in the 128x4 layout: (r, c) at (r%32)·16 + ((r%128)/32)·4 + c%4.
template <int R>
__device__ __forceinline__ void decode_tile(const unsigned char* raw, const unsigned char* sc, unsigned char* dst,
                                            int row0, int k0, int K, int mtid) {
#pragma unroll 2
  for (int u = mtid; u < R * 8; u += NUM_MATH_THREADS) {
    const int r = u >> 3, g = u & 7;
    const uint2 w = *(const uint2*)(raw + r * 64 + g * 8);
    const int col = MX ? (g >> 1) : g;  // scale column within the K block
    const int rg = row0 + r;
    const int blk = (rg >> 7) - (row0 >> 7);
    const int off = (blk * SC_CHUNKS + (col >> 2)) * 512 + (rg & 31) * 16 + ((rg >> 5) & 3) * 4 + (col & 3);
    // Scales beyond K were not copied (stale smem): the values there are zero-filled, force the scale to 0.
    const u32 s2 = (k0 + g * 16 < K) ? scale_bf16x2(sc[off]) : 0u;
    u32 o[8];
    decode8(w.x, s2, o);
    decode8(w.y, s2, o + 4);
    const int half = g >> 2;
    const int c0 = (g & 3) * 2;
    unsigned char* rowp = dst + half * (R * 128) + r * 128;
    // Odd half stores its second chunk first: the 8 threads of a row then hit 8 distinct 16-byte bank groups.
    const int ca = c0 + half, cb = c0 + 1 - half;
    const uint4 v0 = make_uint4(o[0], o[1], o[2], o[3]), v1 = make_uint4(o[4], o[5], o[6], o[7]);
    *(uint4*)(rowp + ((ca ^ (r & 7)) << 4)) = half ? v1 : v0;
    *(uint4*)(rowp + ((cb ^ (r & 7)) << 4)) = half ? v0 : v1;
  }
}

#if XREG
// ---------------------------------------------------------------- decode into wgmma A registers
// XREG (swap-AB W4A16 only; the launcher sets it, see docs/fp4.md): the weight is wgmma's A operand, which may live in
// registers. Each bf16x2 register of the m64k16 A fragment holds (k, k+1) of one row = one FP4 byte, so every
// warpgroup decodes its own 64 rows from the raw stage straight into fragments: no bf16 tile in shared
// memory, no proxy fence, no CTA-wide barrier. Thread (warp w, lane): rows g = 16w + lane/4 and g + 8,
// c = lane % 4; k16 step j takes byte c of row words 2j (a0, a1) and 2j + 1 (a2, a3).
static_assert(!XREG || (SWAP && X_FP4 && !Y_FP4), "XREG is for swap-AB W4A16");

// decode8 with one scale per byte pair: bytes 0-1 × s_lo, bytes 2-3 × s_hi.
__device__ __forceinline__ void decode8_2s(u32 w, u32 s_lo, u32 s_hi, u32* o) {
  const u32 TL0 = 0xC0800000u, TL1 = 0xC0804000u;
  const u32 TH0 = 0x3F3F3F00u, TH1 = 0x40404040u;
  const u32 mag = w & 0x77777777u;
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const u32 sel = h ? mag >> 16 : mag;
    const u32 ssel = h ? w >> 16 : w;
    const u32 lo = prmt(TL0, TL1, sel);
    u32 hi = prmt(TH0, TH1, sel);
    const u32 sg = prmt(0x80808080u, 0x80808080u, ssel);
    hi |= (sg << 1) & 0x80808080u;
    const u32 p0 = prmt(lo, hi, 0x5140), p1 = prmt(lo, hi, 0x7362);
    const u32 s2 = h ? s_hi : s_lo;
    asm("fma.rn.bf16x2 %0, %1, %2, %3;" : "=r"(o[2 * h]) : "r"(p0), "r"(s2), "r"(0x80008000u));
    asm("fma.rn.bf16x2 %0, %1, %2, %3;" : "=r"(o[2 * h + 1]) : "r"(p1), "r"(s2), "r"(0x80008000u));
  }
}

// The 32 A-fragment registers (8 k16 steps × a0..a3) of one 128-k block for rows rloc and rloc + 8 of the
// X tile. a[4j + {0,1,2,3}] = step j's a0..a3.
__device__ __forceinline__ void decode_rows_a(const unsigned char* raw, const unsigned char* sc, int row0, int rloc,
                                              int k0, int K, int c, u32 (&a)[32]) {
  const u32 sel = (u32)c | ((u32)(4 + c) << 4);
#pragma unroll
  for (int rr = 0; rr < 2; ++rr) {
    const int r = rloc + rr * 8;
    u32 w[16];
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const uint4 v = *(const uint4*)(raw + r * 64 + q * 16);
      w[4 * q] = v.x;
      w[4 * q + 1] = v.y;
      w[4 * q + 2] = v.z;
      w[4 * q + 3] = v.w;
    }
    const int rg = row0 + r;
    const unsigned char* srow =
        sc + ((rg >> 7) - (row0 >> 7)) * SC_CHUNKS * 512 + (rg & 31) * 16 + ((rg >> 5) & 3) * 4;
#pragma unroll
    for (int m = 0; m < 4; ++m) {
      // byte c of words 4m .. 4m+3 → steps 2m (t 0, 1) and 2m + 1 (t 0, 1)
      const u32 x = prmt(w[4 * m], w[4 * m + 1], sel), y = prmt(w[4 * m + 2], w[4 * m + 3], sel);
      const u32 pk = prmt(x, y, 0x5410);
      const int j0 = 2 * m, j1 = 2 * m + 1;
      const int col0 = MX ? (j0 >> 1) : j0, col1 = MX ? (j1 >> 1) : j1;
      const u32 s0 = (k0 + 16 * j0 < K) ? scale_bf16x2(srow[(col0 >> 2) * 512 + (col0 & 3)]) : 0u;
      const u32 s1 = (k0 + 16 * j1 < K) ? scale_bf16x2(srow[(col1 >> 2) * 512 + (col1 & 3)]) : 0u;
      u32 o[4];
      decode8_2s(pk, s0, s1, o);
      a[4 * j0 + rr] = o[0];
      a[4 * j0 + 2 + rr] = o[1];
      a[4 * j1 + rr] = o[2];
      a[4 * j1 + 2 + rr] = o[3];
    }
  }
}
#endif

// ---------------------------------------------------------------- output
__device__ __forceinline__ u32 pack2(float lo, float hi) {
  u32 r;
#if OUT_KIND == 0
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
#else
  asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
#endif
  return r;
}

// C[x][y], C[x][y + 1] → out (predicated; transposed when SWAP).
__device__ __forceinline__ void store_pair(u16* out, long ldo, int x, int y, int rows_x, int rows_y, float v0,
                                           float v1) {
  if (x >= rows_x || y >= rows_y) return;
  const u32 p = pack2(v0, v1);
#if SWAP
  out[(long)y * ldo + x] = (u16)(p & 0xffff);
  if (y + 1 < rows_y) out[(long)(y + 1) * ldo + x] = (u16)(p >> 16);
#else
  const long idx = (long)x * ldo + y;
  if (y + 1 < rows_y && (idx & 1) == 0) {
    *(u32*)(out + idx) = p;
  } else {
    out[idx] = (u16)(p & 0xffff);
    if (y + 1 < rows_y) out[idx + 1] = (u16)(p >> 16);
  }
#endif
}

// ---------------------------------------------------------------- the kernel
// map_x / map_y: TMA maps of X and Y: FP4 → u8 [rows, K/2] box [64 B, rows]; bf16 → [rows, K] box [64, rows]
// with 128B swizzle. xs / ys: swizzled scales of FP4 operands (16-byte aligned). kpad4 = roundup(K/VEC, 4)/4.
extern "C" __global__ void __launch_bounds__(NUM_THREADS, 1)
    KERNEL_NAME(const __grid_constant__ TmaDesc map_x, const __grid_constant__ TmaDesc map_y,
                const unsigned char* __restrict__ xs, const unsigned char* __restrict__ ys,
                const float* __restrict__ alpha, void* __restrict__ out, float* __restrict__ split_ws,
                int* __restrict__ split_counters, int rows_x, int rows_y, int K, int kpad4, long ldo, int split_k) {
  extern __shared__ __align__(1024) unsigned char smem_raw[];
  unsigned char* smem = (unsigned char*)(((u64)smem_raw + 1023) & ~(u64)1023);
  unsigned char* ring = smem;
  unsigned char* dec = ring + STAGES * STAGE_BYTES;
  u64* full_bar = (u64*)(dec + 2 * DEC_BYTES);
  u64* empty_bar = full_bar + STAGES;
  int& s_last = *(int*)(empty_bar + STAGES);

  const int tid = threadIdx.x;
  const int num_xb = (rows_x + BM - 1) / BM;
  const int num_yb = (rows_y + BN - 1) / BN;
  const int num_kb = (K + BLOCK_K - 1) / BLOCK_K;
  const int kb_per_split = (num_kb + split_k - 1) / split_k;
  const int num_units = num_xb * num_yb * split_k;

  if (tid == NUM_MATH_THREADS) {
    tma_prefetch_desc(&map_x);
    tma_prefetch_desc(&map_y);
    mbar_ring_init(full_bar, empty_bar, STAGES, NUM_MATH_WG * 4);  // one arrive per math warp
  }
  __syncthreads();

  // unit -> (x block, y block, split); bands of GROUP_X x-blocks walk the y blocks.
  auto unit_coords = [&](int unit, int& xb, int& yb, int& split) {
    split = unit % split_k;
    const int t = unit / split_k;
    const int per_group = GROUP_X * num_yb;
    const int first_x = (t / per_group) * GROUP_X;
    const int rows = min(num_xb - first_x, GROUP_X);
    const int in_group = t % per_group;
    xb = first_x + in_group % rows;
    yb = in_group / rows;
  };

  if (tid >= NUM_MATH_THREADS) {
    // ------------------------------------------------------------ producer warpgroup
#if NUM_MATH_WG == 2
    asm volatile("setmaxnreg.dec.sync.aligned.u32 40;");
#endif
    if (tid == NUM_MATH_THREADS) {
      int stage = 0;
      u32 phase = 0;
      for (int unit = blockIdx.x; unit < num_units; unit += gridDim.x) {
        int xb, yb, split;
        unit_coords(unit, xb, yb, split);
        const int kb0 = split * kb_per_split, kb1 = min(num_kb, kb0 + kb_per_split);
        for (int kb = kb0; kb < kb1; ++kb) {
          mbar_wait(&empty_bar[stage], phase ^ 1);
          unsigned char* st = ring + stage * STAGE_BYTES;
          // Scale chunks that exist for this K block (the last one may be cut at kpad4).
          const int c4 = kb * SC_CHUNKS;
          const int nch = min(SC_CHUNKS, kpad4 - c4);
          u32 bytes = X_BYTES + Y_BYTES;
          int xsb = 0, ysb = 0;
#if X_FP4
          for (int b = 0; b < X_SC_BLKS; ++b) xsb += ((xb * BM) / 128 + b < (rows_x + 127) / 128);
#endif
#if Y_FP4
          for (int b = 0; b < Y_SC_BLKS; ++b) ysb += ((yb * BN) / 128 + b < (rows_y + 127) / 128);
#endif
          bytes += (u32)((xsb + ysb) * nch * 512);
          mbar_expect_tx(&full_bar[stage], bytes);
#if X_FP4
          tma_load_2d(st, &map_x, &full_bar[stage], kb * (BLOCK_K / 2), xb * BM);
          for (int b = 0; b < xsb; ++b)
            bulk_load(st + X_SC_OFF + b * SC_CHUNKS * 512, xs + ((long)((xb * BM) / 128 + b) * kpad4 + c4) * 512,
                      nch * 512, &full_bar[stage]);
#else
          tma_load_2d(st, &map_x, &full_bar[stage], kb * BLOCK_K, xb * BM);
          tma_load_2d(st + BM * 128, &map_x, &full_bar[stage], kb * BLOCK_K + 64, xb * BM);
#endif
#if Y_FP4
          tma_load_2d(st + X_BYTES, &map_y, &full_bar[stage], kb * (BLOCK_K / 2), yb * BN);
          for (int b = 0; b < ysb; ++b)
            bulk_load(st + Y_SC_OFF + b * SC_CHUNKS * 512, ys + ((long)((yb * BN) / 128 + b) * kpad4 + c4) * 512,
                      nch * 512, &full_bar[stage]);
#else
          tma_load_2d(st + X_BYTES, &map_y, &full_bar[stage], kb * BLOCK_K, yb * BN);
          tma_load_2d(st + X_BYTES + BN * 128, &map_y, &full_bar[stage], kb * BLOCK_K + 64, yb * BN);
#endif
          if (++stage == STAGES) {
            stage = 0;
            phase ^= 1;
          }
        }
      }
    }
  } else {
    // ------------------------------------------------------------ math warpgroups
#if NUM_MATH_WG == 2
    asm volatile("setmaxnreg.inc.sync.aligned.u32 232;");
#endif
    const int wg = tid / 128;
    const int warp = (tid % 128) / 32;
    const int lane = tid % 32;
    const int row_in_tile = wg * 64 + warp * 16 + lane / 4;  // and +8
    const float alpha_v = alpha != nullptr ? __ldg(alpha) : 1.0f;

    float acc[ACC_REGS];
    int stage = 0;
    u32 phase = 0;
#if !XREG
    u32 it = 0;  // decode-buffer counter, continues across units
#endif

    for (int unit = blockIdx.x; unit < num_units; unit += gridDim.x) {
      int xb, yb, split;
      unit_coords(unit, xb, yb, split);
      const int kb0 = split * kb_per_split, kb1 = min(num_kb, kb0 + kb_per_split);
#pragma unroll
      for (int i = 0; i < ACC_REGS; ++i) acc[i] = 0.f;
      int prev_stage = -1;
#if XREG
      for (int kb = kb0; kb < kb1; ++kb) {
        mbar_wait(&full_bar[stage], phase);
        const unsigned char* st = ring + stage * STAGE_BYTES;
        u32 a[32];
        decode_rows_a(st, st + X_SC_OFF, xb * BM, wg * 64 + warp * 16 + lane / 4, kb * BLOCK_K, K, lane & 3, a);
        const unsigned char* yt = st + X_BYTES;
        fence_regs(acc);
        wgmma_fence();
#pragma unroll
        for (int j = 0; j < BLOCK_K / 16; ++j)
          wgmma_bf16_ra(acc, a[4 * j], a[4 * j + 1], a[4 * j + 2], a[4 * j + 3],
                        smem_desc(yt + (j >> 2) * BN * 128 + (j & 3) * 32));
        wgmma_commit();
        fence_regs(acc);
        wgmma_wait0();  // the A registers must stay untouched until the wgmma read them
        fence_regs(acc);
#pragma unroll
        for (int i = 0; i < 32; ++i) asm volatile("" : "+r"(a[i])::"memory");
        if (lane == 0) mbar_arrive(&empty_bar[stage]);
        if (++stage == STAGES) {
          stage = 0;
          phase ^= 1;
        }
      }
#else
      for (int kb = kb0; kb < kb1; ++kb, ++it) {
        mbar_wait(&full_bar[stage], phase);
        unsigned char* st = ring + stage * STAGE_BYTES;
        unsigned char* db = dec + (it & 1) * DEC_BYTES;
        // Every warpgroup finished the wgmma that last read this decode buffer (two blocks ago): each waited
        // for it (wait_group 1) before arriving here.
        math_barrier();
#if X_FP4
        decode_tile<BM>(st, st + X_SC_OFF, db, xb * BM, kb * BLOCK_K, K, tid);
#endif
#if Y_FP4
        decode_tile<BN>(st + X_BYTES, st + Y_SC_OFF, db + DX_BYTES, yb * BN, kb * BLOCK_K, K, tid);
#endif
        fence_async_smem();
        math_barrier();
        const unsigned char* xt = (X_FP4 ? db : st) + wg * 64 * 128;
        const unsigned char* yt = Y_FP4 ? db + DX_BYTES : st + X_BYTES;
#if GK_WGMMA
        fence_regs(acc);
        wgmma_fence();
#pragma unroll
        for (int j = 0; j < BLOCK_K / 16; ++j) {
          const int h = j >> 2, o = (j & 3) * 32;
          wgmma_bf16(acc, smem_desc(xt + h * BM * 128 + o), smem_desc(yt + h * BN * 128 + o), 1);
        }
        wgmma_commit();
        fence_regs(acc);
        wgmma_wait1();  // the previous block's wgmma is done: its raw stage can be refilled
        fence_regs(acc);
#else
        mma_block_sync(acc, xt, yt, warp, lane);  // synchronous: this block is done too
#endif
        if (prev_stage >= 0 && lane == 0) mbar_arrive(&empty_bar[prev_stage]);
        prev_stage = stage;
        if (++stage == STAGES) {
          stage = 0;
          phase ^= 1;
        }
      }
#endif
#if GK_WGMMA
      wgmma_wait0();
      fence_regs(acc);
#endif
      if (prev_stage >= 0 && lane == 0) mbar_arrive(&empty_bar[prev_stage]);

      if (split_k > 1) {
        // Write this split's partial, then let the last split of the tile reduce in split order.
        const int t = unit / split_k;
        float* ws_tile = split_ws + (long)t * split_k * NUM_MATH_THREADS * ACC_REGS;
        float* mine = ws_tile + ((long)split * NUM_MATH_THREADS + tid) * ACC_REGS;
#pragma unroll
        for (int i = 0; i < ACC_REGS; i += 4)
          __stcg((float4*)(mine + i), make_float4(acc[i], acc[i + 1], acc[i + 2], acc[i + 3]));
        __threadfence();
        math_barrier();
        if (tid == 0) {
          const int prev = atomicAdd(&split_counters[t], 1);
          s_last = (prev == split_k - 1);
          if (s_last) split_counters[t] = 0;  // re-arm for the next launch
        }
        math_barrier();
        if (!s_last) continue;
        __threadfence();
#pragma unroll
        for (int i = 0; i < ACC_REGS; ++i) acc[i] = 0.f;
#pragma unroll 1
        for (int s = 0; s < split_k; ++s) {
          const float* src = ws_tile + ((long)s * NUM_MATH_THREADS + tid) * ACC_REGS;
#pragma unroll
          for (int i = 0; i < ACC_REGS; i += 4) {
            const float4 v = __ldcg((const float4*)(src + i));
            acc[i] += v.x;
            acc[i + 1] += v.y;
            acc[i + 2] += v.z;
            acc[i + 3] += v.w;
          }
        }
      }

      // wgmma m64nN fragment: reg 4j+{0,1} → (row, 8j + 2·(lane%4) + {0,1}), reg 4j+{2,3} → (row + 8, same).
      const int x = xb * BM + row_in_tile;
#pragma unroll
      for (int j = 0; j < BN / 8; ++j) {
        const int y = yb * BN + j * 8 + (lane % 4) * 2;
        store_pair((u16*)out, ldo, x, y, rows_x, rows_y, alpha_v * acc[4 * j], alpha_v * acc[4 * j + 1]);
        store_pair((u16*)out, ldo, x + 8, y, rows_x, rows_y, alpha_v * acc[4 * j + 2], alpha_v * acc[4 * j + 3]);
      }
    }
  }
}

#ifndef FP4_SM90_NO_SCALE_KERNEL
// Scales into the 128x4 swizzled layout the GEMM reads: dst has rows_pad = roundup(rows, 128) rows and
// kpad = roundup(cols, 4) columns; (r, c) of src at src[r·src_row + c·src_col] (linear layout, any strides)
// or, when src_swz, at the same swizzled offset (a realignment copy). Padding reads as 0.
extern "C" __global__ void fp4_sm90_swizzle_scales(const unsigned char* __restrict__ src,
                                                   unsigned char* __restrict__ dst, int rows, int cols, int kpad,
                                                   long src_row, long src_col, int src_swz) {
  const long rows_pad = (rows + 127) / 128 * 128;
  const long idx = (long)blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= rows_pad * kpad) return;
  const int r = (int)(idx / kpad), c = (int)(idx % kpad);
  const long off = ((long)(r / 128) * (kpad / 4) + c / 4) * 512 + (r % 32) * 16 + ((r % 128) / 32) * 4 + c % 4;
  unsigned char v = 0;
  if (src_swz)
    v = src[off];
  else if (r < rows && c < cols)
    v = src[r * src_row + c * src_col];
  dst[off] = v;
}
#endif
