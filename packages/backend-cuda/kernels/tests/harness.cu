// GPU check of the portable kernels against float64 host references (run on a GPU host, see
// docs/cuda-kernels.md): nvcc -std=c++17 -arch=sm_90a -I.. -o harness harness.cu && ./harness
// Every output is poisoned with NaN first; every case uses fresh seeded random data; bad index data must
// raise its status bit and never fault.
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <vector>
#include <random>
#include <functional>
#include "../common/gemm_core.cuh"
#include "../mqa_logits.cu"
#include "../quant.cu"

#define CK(x)                                                                       \
  do {                                                                              \
    cudaError_t e_ = (x);                                                           \
    if (e_ != cudaSuccess) {                                                        \
      printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__); \
      exit(2);                                                                      \
    }                                                                               \
  } while (0)

template <int TA, int TB, int MMA, int CFG, int SCALE>
__global__ void __launch_bounds__(GkGemm<TA, TB, MMA, CFG, SCALE>::THREADS) tk(const GkGemmParams p, unsigned* st) {
  GkGemm<TA, TB, MMA, CFG, SCALE>::run(p, st);
}

static std::mt19937 rng(1234);
static float urand(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); }
static int fails = 0;

// Host codecs (cuda_fp8.h / cuda_bf16.h conversions are host-callable).
static uint8_t enc_fp8(float x, int t) {
  return (uint8_t)__nv_cvt_float_to_fp8(x, __NV_SATFINITE, t == GK_T_E4M3 ? __NV_E4M3 : __NV_E5M2);
}
static float dec_fp8(uint8_t b, int t) {
  __half_raw h = __nv_cvt_fp8_to_halfraw(b, t == GK_T_E4M3 ? __NV_E4M3 : __NV_E5M2);
  return __half2float(__half(h));
}
static uint16_t enc_half(float x, int t) {
  if (t == GK_T_BF16) {
    __nv_bfloat16 v = __float2bfloat16_rn(x);
    uint16_t r;
    memcpy(&r, &v, 2);
    return r;
  }
  __half v = __float2half_rn(x);
  uint16_t r;
  memcpy(&r, &v, 2);
  return r;
}
static float dec_half(uint16_t b, int t) {
  if (t == GK_T_BF16) {
    uint32_t w = (uint32_t)b << 16;
    float f;
    memcpy(&f, &w, 4);
    return f;
  }
  __half v;
  memcpy(&v, &b, 2);
  return __half2float(v);
}
static float dec_e2m1(int n) {
  static const float m[8] = {0, .5f, 1, 1.5f, 2, 3, 4, 6};
  return (n & 8) ? -m[n & 7] : m[n & 7];
}

template <class T>
static T* dev(const std::vector<T>& h) {
  T* d;
  CK(cudaMalloc(&d, h.size() * sizeof(T) + 16));
  CK(cudaMemcpy(d, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice));
  return d;
}
template <class T>
static std::vector<T> host(const T* d, size_t n) {
  std::vector<T> h(n);
  CK(cudaMemcpy(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost));
  return h;
}

// calcDiff = 1 - 2 sum(xy) / sum(x^2 + y^2), plus "every expected element written" (no NaN left).
static void report(const char* name, const std::vector<double>& ref, const std::vector<float>& got,
                   const std::vector<char>& expect_written, double tol) {
  double xy = 0, xx = 0;
  size_t unwritten = 0, clobbered = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (!expect_written[i]) {
      if (!std::isnan(got[i])) ++clobbered;  // must stay poisoned
      continue;
    }
    if (std::isnan(got[i])) {
      ++unwritten;
      continue;
    }
    xy += ref[i] * got[i];
    xx += ref[i] * ref[i] + (double)got[i] * got[i];
  }
  const double diff = xx > 0 ? 1 - 2 * xy / xx : 0;
  const bool ok = unwritten == 0 && clobbered == 0 && diff <= tol;
  if (!ok) ++fails;
  printf("%s %-48s calcDiff=%.3e unwritten=%zu clobbered=%zu\n", ok ? "PASS" : "FAIL", name, diff, unwritten,
         clobbered);
}

static GkGemmParams base_params() {
  GkGemmParams p;
  memset(&p, 0, sizeof p);
  p.alpha = 1.f;
  p.beta = 1.f;
  p.sa_gm = p.sa_gk = p.sb_gn = p.sb_gk = 1;
  p.batch = 1;
  return p;
}

// Output of an f32/bf16 GEMM read back as float (NaN-poisoned first).
struct Out {
  void* d;
  size_t n;
  int type;
};
static Out make_out(size_t n, int type) {
  Out o{nullptr, n, type};
  const size_t eb = type == GK_T_F32 ? 4 : (type == GK_T_E4M3 || type == GK_T_E5M2 ? 1 : 2);
  CK(cudaMalloc(&o.d, n * eb));
  CK(cudaMemset(o.d, 0xff, n * eb));  // NaN in f32 / bf16 / f16 and e4m3 (0xff)
  return o;
}
static std::vector<float> read_out(const Out& o) {
  std::vector<float> r(o.n);
  if (o.type == GK_T_F32) return host((float*)o.d, o.n);
  if (o.type == GK_T_E4M3 || o.type == GK_T_E5M2) {
    auto b = host((uint8_t*)o.d, o.n);
    for (size_t i = 0; i < o.n; ++i) r[i] = dec_fp8(b[i], o.type);
    return r;
  }
  auto b = host((uint16_t*)o.d, o.n);
  for (size_t i = 0; i < o.n; ++i) r[i] = dec_half(b[i], o.type);
  return r;
}

template <int CFG>
static dim3 grid_for(int m, int n, int z) {
  return dim3((n + GkTile<CFG>::BN - 1) / GkTile<CFG>::BN, (m + GkTile<CFG>::BM - 1) / GkTile<CFG>::BM, z);
}

// ---- half GEMM: batch 2, B either K-major [n,k] or N-major [k,n], with c addend and bias.
template <int T, int CFG>
static void test_half(bool b_nmajor, const char* name) {
  const int B = 2, M = 77, N = 136, K = 200;
  std::vector<uint16_t> a(B * M * K), b(B * N * K), c(B * M * N), bias(N);
  std::vector<double> af(a.size()), bf(b.size());
  for (size_t i = 0; i < a.size(); ++i) af[i] = dec_half(a[i] = enc_half(urand(-1, 1), T), T);
  for (size_t i = 0; i < b.size(); ++i) bf[i] = dec_half(b[i] = enc_half(urand(-1, 1), T), T);
  for (auto& x : c) x = enc_half(urand(-1, 1), T);
  for (auto& x : bias) x = enc_half(urand(-1, 1), T);
  GkGemmParams p = base_params();
  p.a = dev(a);
  p.b = dev(b);
  p.c = dev(c);
  p.bias = dev(bias);
  Out o = make_out(B * M * N, T);
  p.out = o.d;
  p.m = M, p.n = N, p.k = K, p.batch = B, p.map = GK_MAP_DENSE;
  p.a_bs = M * K, p.a_rs = K, p.a_ks = 1;
  p.b_bs = N * K;
  if (b_nmajor) p.b_rs = 1, p.b_ks = N;  // b[k, n] at k * N + n
  else p.b_rs = K, p.b_ks = 1;
  p.o_bs = M * N, p.o_rs = N, p.o_cs = 1, p.c_bs = M * N, p.c_rs = N;
  p.out_type = T, p.c_type = T, p.bias_type = T;
  tk<T, T, T == GK_T_BF16 ? GK_MMA_BF16 : GK_MMA_F16, CFG, GK_SCALE_NONE>
      <<<grid_for<CFG>(M, N, B), GkGemm<T, T, T == GK_T_BF16 ? GK_MMA_BF16 : GK_MMA_F16, CFG, 0>::THREADS>>>(p, nullptr);
  CK(cudaDeviceSynchronize());
  std::vector<double> ref(B * M * N);
  for (int z = 0; z < B; ++z)
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double s = 0;
        for (int k = 0; k < K; ++k)
          s += af[z * M * K + i * K + k] * bf[z * N * K + (b_nmajor ? k * N + j : j * K + k)];
        ref[(z * M + i) * N + j] = s + dec_half(bias[j], T) + dec_half(c[(z * M + i) * N + j], T);
      }
  report(name, ref, read_out(o), std::vector<char>(ref.size(), 1), 2e-5);
}

// ---- fp8 block-scaled (1x128 A, 128x128 B), K-major or MN-major scales, bf16 or e4m3 output.
template <int TA, int TB, int MMA, int CFG>
static void test_fp8_block(bool mn_major, bool fp8_out, const char* name) {
  const int M = 130, N = 260, K = 400, KB = (K + 127) / 128, NB = (N + 127) / 128;
  std::vector<uint8_t> a(M * K), b(N * K);
  std::vector<double> af(a.size()), bf(b.size());
  for (size_t i = 0; i < a.size(); ++i) af[i] = dec_fp8(a[i] = enc_fp8(urand(-4, 4), TA), TA);
  for (size_t i = 0; i < b.size(); ++i) bf[i] = dec_fp8(b[i] = enc_fp8(urand(-4, 4), TB), TB);
  const int lda = mn_major ? (M + 3) / 4 * 4 : 0;  // MN-major: column stride padded to 4 (TMA-aligned)
  std::vector<float> sa(mn_major ? lda * KB : M * KB), sb(NB * KB);
  for (auto& x : sa) x = urand(0.01f, 0.1f);
  for (auto& x : sb) x = urand(0.01f, 0.1f);
  auto SA = [&](int m, int kb) { return (double)(mn_major ? sa[kb * lda + m] : sa[m * KB + kb]); };
  auto SB = [&](int n, int kb) { return (double)(mn_major ? sb[kb * NB + n / 128] : sb[(n / 128) * KB + kb]); };
  GkGemmParams p = base_params();
  p.a = dev(a), p.b = dev(b), p.sa = dev(sa), p.sb = dev(sb);
  const int ot = fp8_out ? GK_T_E4M3 : GK_T_BF16;
  Out o = make_out(M * N, ot);
  p.out = o.d, p.out_type = ot;
  std::vector<float> os = {2.5f};
  if (fp8_out) p.out_scale = dev(os);
  p.m = M, p.n = N, p.k = K, p.map = GK_MAP_DENSE;
  p.a_rs = K, p.a_ks = 1, p.b_rs = K, p.b_ks = 1, p.o_rs = N, p.o_cs = 1;
  p.sa_gm = 1, p.sa_gk = 128, p.sb_gn = 128, p.sb_gk = 128;
  if (mn_major) p.sa_ms = 1, p.sa_ks = lda, p.sb_ns = 1, p.sb_ks = NB;
  else p.sa_ms = KB, p.sa_ks = 1, p.sb_ns = KB, p.sb_ks = 1;
  tk<TA, TB, MMA, CFG, GK_SCALE_PROMOTE128><<<grid_for<CFG>(M, N, 1), GkGemm<TA, TB, MMA, CFG, 2>::THREADS>>>(p, nullptr);
  CK(cudaDeviceSynchronize());
  std::vector<double> ref(M * N);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double s = 0;
      for (int k = 0; k < K; ++k) s += af[i * K + k] * SA(i, k / 128) * bf[j * K + k] * SB(j, k / 128);
      ref[i * N + j] = fp8_out ? s / 2.5 : s;
    }
  report(name, ref, read_out(o), std::vector<char>(ref.size(), 1), fp8_out ? 2e-3 : 2e-5);
}

// ---- fp8 per-tensor scales in the epilogue (bmmFp8), batch 2, f16 output.
template <int CFG>
static void test_fp8_tensor(const char* name) {
  const int B = 2, M = 33, N = 70, K = 96;
  std::vector<uint8_t> a(B * M * K), b(B * N * K);
  std::vector<double> af(a.size()), bf(b.size());
  for (size_t i = 0; i < a.size(); ++i) af[i] = dec_fp8(a[i] = enc_fp8(urand(-8, 8), GK_T_E4M3), GK_T_E4M3);
  for (size_t i = 0; i < b.size(); ++i) bf[i] = dec_fp8(b[i] = enc_fp8(urand(-8, 8), GK_T_E5M2), GK_T_E5M2);
  std::vector<float> sa = {0.03f}, sb = {0.2f};
  GkGemmParams p = base_params();
  p.a = dev(a), p.b = dev(b), p.sa = dev(sa), p.sb = dev(sb);
  Out o = make_out(B * M * N, GK_T_F16);
  p.out = o.d, p.out_type = GK_T_F16;
  p.m = M, p.n = N, p.k = K, p.batch = B;
  p.a_bs = M * K, p.a_rs = K, p.a_ks = 1, p.b_bs = N * K, p.b_rs = K, p.b_ks = 1, p.o_bs = M * N, p.o_rs = N, p.o_cs = 1;
  p.sa_gm = 1 << 30, p.sa_gk = 1 << 30, p.sb_gn = 1 << 30, p.sb_gk = 1 << 30;
  tk<GK_T_E4M3, GK_T_E5M2, GK_MMA_FP8, CFG, GK_SCALE_EPILOGUE>
      <<<grid_for<CFG>(M, N, B), GkGemm<GK_T_E4M3, GK_T_E5M2, GK_MMA_FP8, CFG, 1>::THREADS>>>(p, nullptr);
  CK(cudaDeviceSynchronize());
  std::vector<double> ref(B * M * N);
  for (int z = 0; z < B; ++z)
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double s = 0;
        for (int k = 0; k < K; ++k) s += af[(z * M + i) * K + k] * bf[(z * N + j) * K + k];
        ref[(z * M + i) * N + j] = s * 0.03f * 0.2f;
      }
  report(name, ref, read_out(o), std::vector<char>(ref.size(), 1), 2e-5);
}

// ---- NVFP4 x NVFP4 with 128x4-swizzled e4m3 scales per 16 and a device global scale.
static long long swz_off(long long r, long long kb, long long kbc) {
  const long long kp = (kbc + 3) / 4 * 4;
  return ((r / 128) * (kp / 4) + kb / 4) * 512 + (r % 32) * 16 + ((r % 128) / 32) * 4 + (kb % 4);
}
template <int CFG>
static void test_fp4(const char* name) {
  const int M = 150, N = 200, K = 256, KBC = K / 16;
  std::vector<uint8_t> a(M * K / 2), b(N * K / 2);
  for (auto& x : a) x = rng() & 0xff;
  for (auto& x : b) x = rng() & 0xff;
  auto padded = [&](int rows) { return (size_t)((rows + 127) / 128 * 128) * ((KBC + 3) / 4 * 4); };
  std::vector<uint8_t> sa(padded(M)), sb(padded(N));
  for (auto& x : sa) x = enc_fp8(urand(0.05f, 2.f), GK_T_E4M3);
  for (auto& x : sb) x = enc_fp8(urand(0.05f, 2.f), GK_T_E4M3);
  std::vector<float> alpha = {0.37f};
  GkGemmParams p = base_params();
  p.a = dev(a), p.b = dev(b), p.sa = dev(sa), p.sb = dev(sb), p.alpha_ptr = dev(alpha);
  Out o = make_out(M * N, GK_T_F32);
  p.out = o.d, p.out_type = GK_T_F32;
  p.m = M, p.n = N, p.k = K;
  p.a_rs = K / 2, p.a_ks = 1, p.b_rs = K / 2, p.b_ks = 1, p.o_rs = N, p.o_cs = 1;
  p.sa_gk = 16, p.sb_gk = 16, p.sa_enc = GK_ENC_E4M3, p.sb_enc = GK_ENC_E4M3, p.sa_swz = 1, p.sb_swz = 1;
  p.sa_kpad = (KBC + 3) / 4 * 4, p.sb_kpad = p.sa_kpad;
  tk<GK_T_E2M1, GK_T_E2M1, GK_MMA_BF16, CFG, GK_SCALE_INLINE>
      <<<grid_for<CFG>(M, N, 1), GkGemm<GK_T_E2M1, GK_T_E2M1, GK_MMA_BF16, CFG, 3>::THREADS>>>(p, nullptr);
  CK(cudaDeviceSynchronize());
  auto va = [&](int r, int k) {
    int byte = a[r * K / 2 + k / 2];
    return dec_e2m1((k & 1) ? byte >> 4 : byte & 15) * (double)dec_fp8(sa[swz_off(r, k / 16, KBC)], GK_T_E4M3);
  };
  auto vb = [&](int r, int k) {
    int byte = b[r * K / 2 + k / 2];
    return dec_e2m1((k & 1) ? byte >> 4 : byte & 15) * (double)dec_fp8(sb[swz_off(r, k / 16, KBC)], GK_T_E4M3);
  };
  std::vector<double> ref(M * N);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double s = 0;
      for (int k = 0; k < K; ++k) s += va(i, k) * vb(j, k);
      ref[i * N + j] = s * 0.37f;
    }
  report(name, ref, read_out(o), std::vector<char>(ref.size(), 1), 1e-5);
}

// ---- grouped MoE: masked (with signal and a bad masked_m), ragged-M per-token, ragged-K.
template <int CFG>
static void test_moe(const char* name_masked, const char* name_token, const char* name_k) {
  const int E = 3, MAXM = 200, N = 130, K = 256, KB = K / 128, NB = (N + 127) / 128;
  std::vector<uint8_t> a(E * MAXM * K), b(E * N * K);
  std::vector<double> af(a.size()), bf(b.size());
  for (size_t i = 0; i < a.size(); ++i) af[i] = dec_fp8(a[i] = enc_fp8(urand(-2, 2), GK_T_E4M3), GK_T_E4M3);
  for (size_t i = 0; i < b.size(); ++i) bf[i] = dec_fp8(b[i] = enc_fp8(urand(-2, 2), GK_T_E4M3), GK_T_E4M3);
  std::vector<float> sa(E * MAXM * KB), sb(E * NB * KB);
  for (auto& x : sa) x = urand(0.5f, 1.5f);
  for (auto& x : sb) x = urand(0.5f, 1.5f);
  uint8_t *da = dev(a), *db = dev(b);
  float *dsa = dev(sa), *dsb = dev(sb);
  unsigned* st;
  CK(cudaMalloc(&st, 4));
  using G = GkGemm<GK_T_E4M3, GK_T_E4M3, GK_MMA_FP8, CFG, GK_SCALE_PROMOTE128>;
  {
    std::vector<int> mm = {0, 130, 200};
    std::vector<int> sig(E * ((MAXM + 63) / 64), 0);
    int* dsig = dev(sig);
    GkGemmParams p = base_params();
    p.a = da, p.b = db, p.sa = dsa, p.sb = dsb, p.index = dev(mm), p.signal = dsig;
    Out o = make_out(E * MAXM * N, GK_T_BF16);
    p.out = o.d, p.out_type = GK_T_BF16;
    p.m = MAXM, p.n = N, p.k = K, p.batch = E, p.map = GK_MAP_MASKED, p.num_groups = E;
    p.a_bs = MAXM * K, p.a_rs = K, p.a_ks = 1, p.b_bs = N * K, p.b_rs = K, p.b_ks = 1;
    p.o_bs = MAXM * N, p.o_rs = N, p.o_cs = 1;
    p.sa_bs = MAXM * KB, p.sa_ms = KB, p.sa_ks = 1, p.sa_gm = 1, p.sa_gk = 128;
    p.sb_bs = NB * KB, p.sb_ns = KB, p.sb_ks = 1, p.sb_gn = 128, p.sb_gk = 128;
    CK(cudaMemset(st, 0, 4));
    tk<GK_T_E4M3, GK_T_E4M3, GK_MMA_FP8, CFG, 2><<<grid_for<CFG>(MAXM, N, E), G::THREADS>>>(p, st);
    CK(cudaDeviceSynchronize());
    std::vector<double> ref(E * MAXM * N, 0);
    std::vector<char> w(ref.size(), 0);
    for (int e = 0; e < E; ++e)
      for (int i = 0; i < mm[e]; ++i)
        for (int j = 0; j < N; ++j) {
          double s = 0;
          for (int k = 0; k < K; ++k)
            s += af[(e * MAXM + i) * K + k] * sa[(e * MAXM + i) * KB + k / 128] * bf[(e * N + j) * K + k] *
                 sb[(e * NB + j / 128) * KB + k / 128];
          ref[(e * MAXM + i) * N + j] = s;
          w[(e * MAXM + i) * N + j] = 1;
        }
    report(name_masked, ref, read_out(o), w, 2e-5);
    auto hs = host(dsig, sig.size());
    const int ntiles = (N + GkTile<CFG>::BN - 1) / GkTile<CFG>::BN;
    bool sig_ok = true;
    for (int e = 0; e < E; ++e)
      for (int blk = 0; blk < (MAXM + 63) / 64; ++blk)
        sig_ok &= hs[e * ((MAXM + 63) / 64) + blk] == (blk * 64 < mm[e] ? ntiles : 0);
    unsigned hst = host(st, 1)[0];
    printf("%s %-48s status=0x%x\n", sig_ok && hst == 0 ? "PASS" : "FAIL", "masked overlap signal counts", hst);
    if (!(sig_ok && hst == 0)) ++fails;
    // Bad masked_m (> max_m and negative): clamped, flagged, no fault.
    std::vector<int> bad = {-5, 999, 10};
    p.index = dev(bad);
    p.signal = nullptr;
    CK(cudaMemset(st, 0, 4));
    tk<GK_T_E4M3, GK_T_E4M3, GK_MMA_FP8, CFG, 2><<<grid_for<CFG>(MAXM, N, E), G::THREADS>>>(p, st);
    CK(cudaDeviceSynchronize());
    hst = host(st, 1)[0];
    printf("%s %-48s status=0x%x\n", hst == GK_STATUS_BAD_COUNT ? "PASS" : "FAIL", "masked bad masked_m flagged", hst);
    if (hst != GK_STATUS_BAD_COUNT) ++fails;
  }
  {
    // Ragged-M per-token: groups of 70, 0, 150 rows padded to 128 with -1 rows; one bad id in padding.
    const int AL = 128, MT = 128 + 0 + 256;
    std::vector<int> ids(MT, -1);
    for (int i = 0; i < 70; ++i) ids[i] = 0;
    for (int i = 0; i < 150; ++i) ids[128 + i] = 2;
    std::vector<uint8_t> at(MT * K);
    std::vector<double> atf(at.size());
    for (size_t i = 0; i < at.size(); ++i) atf[i] = dec_fp8(at[i] = enc_fp8(urand(-2, 2), GK_T_E4M3), GK_T_E4M3);
    std::vector<float> sat(MT * KB);
    for (auto& x : sat) x = urand(0.5f, 1.5f);
    GkGemmParams p = base_params();
    p.a = dev(at), p.b = db, p.sa = dev(sat), p.sb = dsb, p.index = dev(ids);
    Out o = make_out(MT * N, GK_T_BF16);
    p.out = o.d, p.out_type = GK_T_BF16;
    p.m = MT, p.n = N, p.k = K, p.batch = 1, p.map = GK_MAP_RAGGED_M_TOKEN, p.num_groups = E, p.align_m = AL;
    p.a_rs = K, p.a_ks = 1, p.b_bs = N * K, p.b_rs = K, p.b_ks = 1, p.o_rs = N, p.o_cs = 1;
    p.sa_ms = KB, p.sa_ks = 1, p.sa_gm = 1, p.sa_gk = 128;
    p.sb_bs = NB * KB, p.sb_ns = KB, p.sb_ks = 1, p.sb_gn = 128, p.sb_gk = 128;
    CK(cudaMemset(st, 0, 4));
    tk<GK_T_E4M3, GK_T_E4M3, GK_MMA_FP8, CFG, 2><<<grid_for<CFG>(MT, N, 1), G::THREADS>>>(p, st);
    CK(cudaDeviceSynchronize());
    std::vector<double> ref(MT * N, 0);
    std::vector<char> w(ref.size(), 0);
    for (int i = 0; i < MT; ++i) {
      if (ids[i] < 0) continue;
      const int e = ids[i];
      for (int j = 0; j < N; ++j) {
        double s = 0;
        for (int k = 0; k < K; ++k)
          s += atf[i * K + k] * sat[i * KB + k / 128] * bf[(e * N + j) * K + k] * sb[(e * NB + j / 128) * KB + k / 128];
        ref[i * N + j] = s;
        w[i * N + j] = 1;
      }
    }
    report(name_token, ref, read_out(o), w, 2e-5);
    ids[300] = 7;  // out-of-range expert id in a padding row
    p.index = dev(ids);
    CK(cudaMemset(st, 0, 4));
    tk<GK_T_E4M3, GK_T_E4M3, GK_MMA_FP8, CFG, 2><<<grid_for<CFG>(MT, N, 1), G::THREADS>>>(p, st);
    CK(cudaDeviceSynchronize());
    unsigned hst = host(st, 1)[0];
    printf("%s %-48s status=0x%x\n", (hst & GK_STATUS_BAD_EXPERT_ID) ? "PASS" : "FAIL", "ragged-M bad expert id flagged", hst);
    if (!(hst & GK_STATUS_BAD_EXPERT_ID)) ++fails;
  }
  {
    // Ragged-K: A [Ktot, M] and B [Ktot, N] MN-major, groups of 128, 0, 256 rows of K; out f32 += per group.
    const int M = 90, G3 = 3, KT = 384;
    std::vector<int> cnt = {128, 0, 256};
    std::vector<uint8_t> ak(KT * M), bk(KT * N);
    std::vector<double> akf(ak.size()), bkf(bk.size());
    for (size_t i = 0; i < ak.size(); ++i) akf[i] = dec_fp8(ak[i] = enc_fp8(urand(-2, 2), GK_T_E4M3), GK_T_E4M3);
    for (size_t i = 0; i < bk.size(); ++i) bkf[i] = dec_fp8(bk[i] = enc_fp8(urand(-2, 2), GK_T_E4M3), GK_T_E4M3);
    std::vector<float> sak(3 * M), sbk(3 * N), init(G3 * M * N);
    for (auto& x : sak) x = urand(0.5f, 1.5f);
    for (auto& x : sbk) x = urand(0.5f, 1.5f);
    for (auto& x : init) x = urand(-1, 1);
    GkGemmParams p = base_params();
    p.a = dev(ak), p.b = dev(bk), p.sa = dev(sak), p.sb = dev(sbk), p.index = dev(cnt);
    float* dout = dev(init);
    p.out = dout, p.out_type = GK_T_F32, p.accumulate = 1;
    p.m = M, p.n = N, p.k = KT, p.batch = G3, p.map = GK_MAP_RAGGED_K, p.num_groups = G3;
    p.a_rs = 1, p.a_ks = M, p.b_rs = 1, p.b_ks = N, p.o_bs = M * N, p.o_rs = N, p.o_cs = 1;
    p.sa_ms = 1, p.sa_ks = M, p.sa_gm = 1, p.sa_gk = 128, p.sb_ns = 1, p.sb_ks = N, p.sb_gn = 1, p.sb_gk = 128;
    CK(cudaMemset(st, 0, 4));
    tk<GK_T_E4M3, GK_T_E4M3, GK_MMA_FP8, CFG, 2><<<grid_for<CFG>(M, N, G3), G::THREADS>>>(p, st);
    CK(cudaDeviceSynchronize());
    std::vector<double> ref(G3 * M * N);
    int k0 = 0;
    for (int g = 0; g < G3; ++g) {
      for (int i = 0; i < M; ++i)
        for (int j = 0; j < N; ++j) {
          double s = init[(g * M + i) * N + j];
          for (int k = k0; k < k0 + cnt[g]; ++k)
            s += akf[k * M + i] * sak[(k / 128) * M + i] * bkf[k * N + j] * sbk[(k / 128) * N + j];
          ref[(g * M + i) * N + j] = s;
        }
      k0 += cnt[g];
    }
    Out o{dout, (size_t)G3 * M * N, GK_T_F32};
    report(name_k, ref, read_out(o), std::vector<char>(ref.size(), 1), 2e-6);
  }
}

// ---- lightning indexer (paged, 1-D context lens, clean logits) and a bad block id.
static void test_paged_indexer() {
  const int B = 2, NEXT = 2, H = 16, D = 128, BKV = 64, NBLK = 8, MAXB = 4, MAXC = 256;
  std::vector<uint8_t> q(B * NEXT * H * D), kv(NBLK * BKV * (D + 4));
  for (auto& x : q) x = enc_fp8(urand(-2, 2), GK_T_E4M3);
  for (int pg = 0; pg < NBLK; ++pg) {
    for (int s = 0; s < BKV * D; ++s) kv[pg * BKV * (D + 4) + s] = enc_fp8(urand(-2, 2), GK_T_E4M3);
    for (int s = 0; s < BKV; ++s) {
      float sc = urand(0.1f, 1.f);
      memcpy(&kv[pg * BKV * (D + 4) + BKV * D + 4 * s], &sc, 4);
    }
  }
  std::vector<float> w(B * NEXT * H);
  for (auto& x : w) x = urand(-1, 1);
  std::vector<int> ctx = {130, 256}, table = {3, 1, 6, 0, 2, 5, 7, 4};
  float* out;
  CK(cudaMalloc(&out, B * NEXT * MAXC * 4));
  CK(cudaMemset(out, 0xff, B * NEXT * MAXC * 4));
  unsigned* st;
  CK(cudaMalloc(&st, 4));
  CK(cudaMemset(st, 0, 4));
  gk_paged_mqa_logits_d128<<<dim3((MAXC + 127) / 128, B * NEXT), 128>>>(dev(q), dev(kv), dev(w), dev(ctx), 1, 0, 0,
                                                                           dev(table), MAXB, MAXB, NBLK, BKV, NEXT, H,
                                                                           MAXC, out, MAXC, 1, st);
  CK(cudaDeviceSynchronize());
  std::vector<double> ref(B * NEXT * MAXC);
  std::vector<char> wr(ref.size(), 1);
  for (int b = 0; b < B; ++b)
    for (int t = 0; t < NEXT; ++t) {
      const int i = b * NEXT + t, count = ctx[b] - NEXT + t + 1;
      for (int j = 0; j < MAXC; ++j) {
        if (j >= count) {
          ref[i * MAXC + j] = -INFINITY;
          continue;
        }
        const int pg = table[b * MAXB + j / BKV], s = j % BKV;
        float sc;
        memcpy(&sc, &kv[pg * BKV * (D + 4) + BKV * D + 4 * s], 4);
        double logit = 0;
        for (int h = 0; h < H; ++h) {
          double dot = 0;
          for (int d = 0; d < D; ++d)
            dot += (double)dec_fp8(q[(i * H + h) * D + d], GK_T_E4M3) * dec_fp8(kv[pg * BKV * (D + 4) + s * D + d], GK_T_E4M3);
          logit += w[i * H + h] * std::max(0.0, sc * dot);
        }
        ref[i * MAXC + j] = logit;
      }
    }
  auto got = host(out, ref.size());
  // -inf positions must match exactly; finite ones by calcDiff.
  size_t inf_bad = 0;
  std::vector<double> rf;
  std::vector<float> gf;
  for (size_t x = 0; x < ref.size(); ++x) {
    if (std::isinf(ref[x])) inf_bad += !(std::isinf(got[x]) && got[x] < 0);
    else rf.push_back(ref[x]), gf.push_back(got[x]);
  }
  if (inf_bad) ++fails;
  printf("%s %-48s (%zu wrong -inf)\n", inf_bad ? "FAIL" : "PASS", "paged indexer -inf positions", inf_bad);
  report("paged indexer logits", rf, gf, std::vector<char>(rf.size(), 1), 1e-5);
  table[1] = 99;  // bad page id
  CK(cudaMemset(st, 0, 4));
  gk_paged_mqa_logits_d128<<<dim3((MAXC + 127) / 128, B * NEXT), 128>>>(dev(q), dev(kv), dev(w), dev(ctx), 1, 0, 0,
                                                                           dev(table), MAXB, MAXB, NBLK, BKV, NEXT, H,
                                                                           MAXC, out, MAXC, 1, st);
  CK(cudaDeviceSynchronize());
  unsigned hst = host(st, 1)[0];
  printf("%s %-48s status=0x%x\n", hst == GK_STATUS_BAD_BLOCK_ID ? "PASS" : "FAIL", "paged indexer bad block id flagged", hst);
  if (hst != GK_STATUS_BAD_BLOCK_ID) ++fails;
}

// ---- per-token FP8 quantization round trip: data * scale reproduces the host rule exactly.
static void test_quant_fp8() {
  const int M = 37, K = 300, G = 128, NG = (K + G - 1) / G;
  std::vector<float> x(M * K);
  for (auto& v : x) v = urand(-3, 3);
  uint8_t* out;
  float* sc;
  CK(cudaMalloc(&out, M * K));
  CK(cudaMalloc(&sc, M * NG * 4));
  gk_quant_fp8<<<dim3(NG, M, 1), 256>>>(dev(x), GK_T_F32, 1, M, K, 0, K, 1, out, 0, K, 1, sc, 0, NG, 1, GK_ENC_F32, 1, G,
                                         GK_T_E4M3, 0, 1e-4, 0, nullptr, nullptr);
  CK(cudaDeviceSynchronize());
  auto ho = host(out, M * K);
  auto hs = host(sc, M * NG);
  size_t bad = 0;
  for (int m = 0; m < M; ++m)
    for (int g = 0; g < NG; ++g) {
      double amax = 0;
      for (int k = g * G; k < std::min(K, (g + 1) * G); ++k) amax = std::max(amax, (double)fabsf(x[m * K + k]));
      const float s = (float)(std::max(amax, 1e-4) / 448.0);
      if (s != hs[m * NG + g]) ++bad;
      for (int k = g * G; k < std::min(K, (g + 1) * G); ++k)
        if (ho[m * K + k] != (uint8_t)__nv_cvt_double_to_fp8(x[m * K + k] / (double)s, __NV_SATFINITE, __NV_E4M3)) ++bad;
    }
  if (bad) ++fails;
  printf("%s %-48s mismatches=%zu\n", bad ? "FAIL" : "PASS", "quant per-token fp8 exact", bad);
}

// ---- segment GEMM: seg_lens (i64) with weight indices, then seg_indptr (i32); tail rows untouched; bad weight id.
static void test_segment() {
  const int S = 300, DIN = 72, DOUT = 100, W = 2;
  std::vector<long long> lens = {1, 130, 0, 100};  // 231 rows; rows 231.. untouched
  std::vector<long long> widx = {1, 0, 1, 1};
  std::vector<uint16_t> x(S * DIN), w(W * DIN * DOUT);
  for (auto& v : x) v = enc_half(urand(-1, 1), GK_T_F16);
  for (auto& v : w) v = enc_half(urand(-1, 1), GK_T_F16);
  unsigned* st;
  CK(cudaMalloc(&st, 4));
  for (int mode = 0; mode < 2; ++mode) {
    GkGemmParams p = base_params();
    p.a = dev(x), p.b = dev(w);
    Out o = make_out(S * DOUT, GK_T_F16);
    p.out = o.d, p.out_type = GK_T_F16;
    std::vector<int> indptr = {0, 1, 131, 131, 231};
    if (mode == 0) p.index = dev(lens), p.index2 = dev(widx), p.index_i64 = 1, p.map = GK_MAP_SEGMENT_LENS;
    else p.index = dev(indptr), p.index_i64 = 0, p.map = GK_MAP_SEGMENT;  // identity weights: only 2 exist
    p.num_groups = W;
    p.m = S, p.n = DOUT, p.k = DIN, p.batch = mode == 0 ? 4 : 2;
    p.a_rs = DIN, p.a_ks = 1, p.b_bs = DIN * DOUT, p.b_rs = 1, p.b_ks = DOUT, p.o_rs = DOUT, p.o_cs = 1;
    CK(cudaMemset(st, 0, 4));
    tk<GK_T_F16, GK_T_F16, GK_MMA_F16, 1, 0><<<dim3(2, 2, p.batch), 128>>>(p, st);  // grid.y 2: CTAs stride tiles
    CK(cudaDeviceSynchronize());
    std::vector<double> ref(S * DOUT, 0);
    std::vector<char> wr(ref.size(), 0);
    long long r0 = 0;
    for (int sgm = 0; sgm < p.batch; ++sgm) {
      const long long r1 = r0 + lens[sgm];
      const int wi = mode == 0 ? (int)widx[sgm] : sgm;
      for (long long r = r0; r < r1; ++r)
        for (int o2 = 0; o2 < DOUT; ++o2) {
          double acc = 0;
          for (int j = 0; j < DIN; ++j) acc += (double)dec_half(x[r * DIN + j], GK_T_F16) * dec_half(w[(wi * DIN + j) * DOUT + o2], GK_T_F16);
          ref[r * DOUT + o2] = acc;
          wr[r * DOUT + o2] = 1;
        }
      r0 = r1;
    }
    report(mode == 0 ? "segment lens i64 + weight indices" : "segment indptr i32", ref, read_out(o), wr, 2e-6);
    if (mode == 0) {
      widx[2] = 5;
      p.index2 = dev(widx);
      CK(cudaMemset(st, 0, 4));
      tk<GK_T_F16, GK_T_F16, GK_MMA_F16, 1, 0><<<dim3(2, 2, 4), 128>>>(p, st);
      CK(cudaDeviceSynchronize());
      unsigned hst = host(st, 1)[0];
      printf("%s %-48s status=0x%x\n", hst == GK_STATUS_BAD_WEIGHT_INDEX ? "PASS" : "FAIL", "segment bad weight index flagged", hst);
      if (hst != GK_STATUS_BAD_WEIGHT_INDEX) ++fails;
      widx[2] = 1;
    }
  }
}

// ---- W4A16: bf16 activations x e2m1 weights with linear ue8m0 scales per 32 (MXFP4).
static void test_w4a16() {
  const int M = 70, N = 90, K = 192, KBC = K / 32;
  std::vector<uint16_t> a(M * K);
  std::vector<uint8_t> b(N * K / 2), sb(N * KBC);
  for (auto& v : a) v = enc_half(urand(-1, 1), GK_T_BF16);
  for (auto& v : b) v = rng() & 0xff;
  for (auto& v : sb) v = 120 + rng() % 12;
  GkGemmParams p = base_params();
  p.a = dev(a), p.b = dev(b), p.sb = dev(sb);
  Out o = make_out(M * N, GK_T_F32);
  p.out = o.d, p.out_type = GK_T_F32;
  p.m = M, p.n = N, p.k = K, p.a_rs = K, p.a_ks = 1, p.b_rs = K / 2, p.b_ks = 1, p.o_rs = N, p.o_cs = 1;
  p.sb_gk = 32, p.sb_enc = GK_ENC_UE8M0, p.sb_ns = KBC, p.sb_ks = 1;
  tk<GK_T_BF16, GK_T_E2M1, GK_MMA_BF16, 0, 3><<<grid_for<0>(M, N, 1), 256>>>(p, nullptr);
  CK(cudaDeviceSynchronize());
  std::vector<double> ref(M * N);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double acc = 0;
      for (int k = 0; k < K; ++k) {
        int byte = b[j * K / 2 + k / 2];
        acc += (double)dec_half(a[i * K + k], GK_T_BF16) * dec_e2m1((k & 1) ? byte >> 4 : byte & 15) * ldexp(1.0, sb[j * KBC + k / 32] - 127);
      }
      ref[i * N + j] = acc;
    }
  report("w4a16 bf16 x mxfp4 linear scales", ref, read_out(o), std::vector<char>(ref.size(), 1), 1e-6);
}

// ---- ragged-M psum and per-expert count modes (alignment 128): groups of 70, 0, 150 rows.
static void test_ragged_psum_count() {
  const int E = 3, N = 64, K = 128, MT = 128 + 256, KB = 1;
  std::vector<uint8_t> a(MT * K), b(E * N * K);
  std::vector<float> sa(MT * KB), sb(E * KB);
  for (auto& v : a) v = enc_fp8(urand(-2, 2), GK_T_E4M3);
  for (auto& v : b) v = enc_fp8(urand(-2, 2), GK_T_E4M3);
  for (auto& v : sa) v = urand(0.5f, 1.5f);
  for (auto& v : sb) v = urand(0.5f, 1.5f);
  const int starts[3] = {0, 128, 128}, counts[3] = {70, 0, 150};
  for (int mode = 0; mode < 2; ++mode) {
    std::vector<int> info = mode == 0 ? std::vector<int>{70, 128, 278} : std::vector<int>{70, 0, 150};
    GkGemmParams p = base_params();
    p.a = dev(a), p.b = dev(b), p.sa = dev(sa), p.sb = dev(sb), p.index = dev(info);
    Out o = make_out(MT * N, GK_T_BF16);
    p.out = o.d, p.out_type = GK_T_BF16;
    p.m = MT, p.n = N, p.k = K, p.map = mode == 0 ? GK_MAP_RAGGED_M_PSUM : GK_MAP_RAGGED_M_COUNT, p.num_groups = E, p.align_m = 128;
    p.a_rs = K, p.a_ks = 1, p.b_bs = N * K, p.b_rs = K, p.b_ks = 1, p.o_rs = N, p.o_cs = 1;
    p.sa_ms = KB, p.sa_ks = 1, p.sa_gk = 128, p.sb_bs = KB, p.sb_ns = KB, p.sb_ks = 1, p.sb_gn = 128, p.sb_gk = 128;
    tk<GK_T_E4M3, GK_T_E4M3, GK_MMA_FP8, 3, 2><<<grid_for<3>(MT, N, 1), 256>>>(p, nullptr);
    CK(cudaDeviceSynchronize());
    std::vector<double> ref(MT * N, 0);
    std::vector<char> wr(ref.size(), 0);
    for (int e = 0; e < E; ++e)
      for (int i = starts[e]; i < starts[e] + counts[e]; ++i)
        for (int j = 0; j < N; ++j) {
          double acc = 0;
          for (int k = 0; k < K; ++k)
            acc += (double)dec_fp8(a[i * K + k], GK_T_E4M3) * sa[i] * dec_fp8(b[(e * N + j) * K + k], GK_T_E4M3) * sb[e];
          ref[i * N + j] = acc;
          wr[i * N + j] = 1;
        }
    report(mode == 0 ? "moe ragged-M psum_expert" : "moe ragged-M per_expert counts", ref, read_out(o), wr, 2e-5);
  }
}

// ---- NVFP4 quantization (swizzled) and MXFP4 'up' (linear) against the float64 rules.
static uint32_t host_e2m1(double x) {
  const uint32_t sign = x < 0 ? 8u : 0u;
  const double a = fabs(x);
  uint32_t c = a <= 0.25 ? 0 : a < 0.75 ? 1 : a <= 1.25 ? 2 : a < 1.75 ? 3 : a <= 2.5 ? 4 : a < 3.5 ? 5 : a <= 5 ? 6 : 7;
  return sign | c;
}
static void test_quant_fp4() {
  const int R = 130, K = 96;
  std::vector<float> x(R * K);
  for (auto& v : x) v = urand(-5, 5);
  for (int nv = 1; nv >= 0; --nv) {
    const int vec = nv ? 16 : 32, kbc = K / vec, swz = nv;
    const size_t ssz = swz ? (size_t)((R + 127) / 128 * 128) * ((kbc + 3) / 4 * 4) : (size_t)R * kbc;
    uint8_t *d, *s;
    float* g;
    unsigned* amax;
    CK(cudaMalloc(&d, R * K / 2));
    CK(cudaMalloc(&s, ssz));
    CK(cudaMemset(s, 0x5a, ssz));
    CK(cudaMalloc(&g, 4));
    CK(cudaMalloc(&amax, 4));
    CK(cudaMemset(amax, 0, 4));
    float* dx = dev(x);
    gk_amax<<<64, 256>>>(dx, GK_T_F32, 1, R, K, 0, K, 1, amax);
    const long long cells = (long long)ssz;
    gk_quant_fp4<<<(cells + 255) / 256, 256>>>(dx, GK_T_F32, R, R, K, 0, K, 1, d, s, swz, nv, nullptr, amax, g, 1e-4, 0);
    CK(cudaDeviceSynchronize());
    auto hd = host(d, R * K / 2);
    auto hs = host(s, ssz);
    const float hg = host(g, 1)[0];
    double am = 0;
    for (float v : x) am = std::max(am, (double)fabsf(v));
    const float gref = (float)(2688.0 / std::max(am, 1e-4));
    size_t bad = nv && hg != gref;
    for (int r = 0; r < R; ++r)
      for (int kb = 0; kb < kbc; ++kb) {
        double bm = 0;
        for (int e = 0; e < vec; ++e) bm = std::max(bm, (double)fabsf(x[r * K + kb * vec + e]));
        uint8_t sc;
        double inv;
        if (nv) {
          sc = (uint8_t)__nv_cvt_double_to_fp8((double)gref * bm / 6.0, __NV_SATFINITE, __NV_E4M3);
          const double sf = dec_fp8(sc, GK_T_E4M3);
          inv = sf == 0 ? 0 : gref / sf;
        } else {
          int ex;
          const double f = frexp(bm / 6.0, &ex);
          int e = bm > 0 ? (f == 0.5 ? ex - 1 : ex) : -127;
          e = std::min(127, std::max(-127, e));
          sc = (uint8_t)(e + 127);
          inv = ldexp(1.0, -e);
        }
        const size_t so = swz ? swz_off(r, kb, kbc) : (size_t)r * kbc + kb;
        bad += hs[so] != sc;
        for (int e = 0; e < vec; e += 2) {
          const int k = kb * vec + e;
          const uint8_t want = host_e2m1(x[r * K + k] * inv) | (host_e2m1(x[r * K + k + 1] * inv) << 4);
          bad += hd[r * K / 2 + k / 2] != want;
        }
      }
    if (swz)  // padding bytes of the swizzled layout are written 0
      for (int r = R; r < (R + 127) / 128 * 128; ++r)
        for (int kb = 0; kb < (kbc + 3) / 4 * 4; ++kb) bad += hs[swz_off(r, kb, kbc)] != 0;
    if (bad) ++fails;
    printf("%s %-48s mismatches=%zu\n", bad ? "FAIL" : "PASS", nv ? "quant nvfp4 swizzled exact" : "quant mxfp4 linear exact", bad);
  }
}

// ---- paged MQA schedule metadata vs the host rule.
static void test_metadata() {
  const int B = 5, NS = 7, SPLIT = 256;
  std::vector<int> ctx = {1000, 0, -3, 257, 4096};
  int* out;
  CK(cudaMalloc(&out, (NS + 1) * 8));
  gk_paged_mqa_metadata<<<1, 256>>>(dev(ctx), 1, 0, B, 1, 0, SPLIT, NS, out, nullptr);
  CK(cudaDeviceSynchronize());
  auto got = host(out, (NS + 1) * 2);
  std::vector<long long> sp(B);
  long long total = 0;
  for (int b = 0; b < B; ++b) total += sp[b] = (std::max(ctx[b], 0) + SPLIT - 1) / SPLIT;
  size_t bad = 0;
  for (int i = 0; i <= NS; ++i) {
    int wb = B, ws = 0;
    if (i < NS) {
      long long g = i * (total / NS) + std::min<long long>(i, total % NS), acc = 0;
      for (wb = 0; wb < B; ++wb) {
        if (g < acc + sp[wb]) { ws = (int)(g - acc); break; }
        acc += sp[wb];
      }
      if (wb == B) ws = 0;
    }
    bad += got[2 * i] != wb || got[2 * i + 1] != ws;
  }
  if (bad) ++fails;
  printf("%s %-48s mismatches=%zu\n", bad ? "FAIL" : "PASS", "paged mqa metadata schedule", bad);
}

// ---- non-paged MQA logits with clean logits and a bad key range.
static void test_mqa() {
  const int S = 3, H = 8, D = 64, SKV = 200;
  std::vector<uint8_t> q(S * H * D), k(SKV * D);
  for (auto& v : q) v = enc_fp8(urand(-2, 2), GK_T_E4M3);
  for (auto& v : k) v = enc_fp8(urand(-2, 2), GK_T_E4M3);
  std::vector<float> ks(SKV), w(S * H);
  for (auto& v : ks) v = urand(0.1f, 1);
  for (auto& v : w) v = urand(-1, 1);
  std::vector<int> lo = {0, 50, 199}, hi = {200, 120, 199};
  float* out;
  CK(cudaMalloc(&out, S * SKV * 4));
  CK(cudaMemset(out, 0xff, S * SKV * 4));
  unsigned* st;
  CK(cudaMalloc(&st, 4));
  CK(cudaMemset(st, 0, 4));
  gk_mqa_logits_d64<<<dim3((SKV + 127) / 128, S), 128>>>(dev(q), dev(k), dev(ks), dev(w), dev(lo), dev(hi), out, SKV, H, SKV, 1, st);
  CK(cudaDeviceSynchronize());
  auto got = host(out, S * SKV);
  std::vector<double> rf;
  std::vector<float> gf;
  size_t inf_bad = 0;
  for (int i = 0; i < S; ++i)
    for (int j = 0; j < SKV; ++j) {
      if (j < lo[i] || j >= hi[i]) {
        inf_bad += !(std::isinf(got[i * SKV + j]) && got[i * SKV + j] < 0);
        continue;
      }
      double logit = 0;
      for (int h2 = 0; h2 < H; ++h2) {
        double dot = 0;
        for (int d = 0; d < D; ++d) dot += (double)dec_fp8(q[(i * H + h2) * D + d], GK_T_E4M3) * dec_fp8(k[j * D + d], GK_T_E4M3);
        logit += w[i * H + h2] * std::max(0.0, ks[j] * dot);
      }
      rf.push_back(logit);
      gf.push_back(got[i * SKV + j]);
    }
  if (inf_bad) ++fails;
  printf("%s %-48s (%zu wrong -inf)\n", inf_bad ? "FAIL" : "PASS", "mqa logits -inf outside [start, end)", inf_bad);
  report("mqa logits non-paged", rf, gf, std::vector<char>(rf.size(), 1), 1e-5);
  lo[1] = 150;  // start > end
  CK(cudaMemset(st, 0, 4));
  gk_mqa_logits_d64<<<dim3((SKV + 127) / 128, S), 128>>>(dev(q), dev(k), dev(ks), dev(w), dev(lo), dev(hi), out, SKV, H, SKV, 1, st);
  CK(cudaDeviceSynchronize());
  unsigned hst = host(st, 1)[0];
  printf("%s %-48s status=0x%x\n", hst == GK_STATUS_BAD_OFFSET ? "PASS" : "FAIL", "mqa bad key range flagged", hst);
  if (hst != GK_STATUS_BAD_OFFSET) ++fails;
}

int main() {
  int dev_id = 0;
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, dev_id));
  printf("device %s sm_%d%d\n", prop.name, prop.major, prop.minor);
  test_half<GK_T_BF16, 0>(false, "half bf16 128x128 B K-major + bias + c");
  test_half<GK_T_F16, 1>(true, "half f16 64x64 B N-major + bias + c");
  test_half<GK_T_BF16, 2>(true, "half bf16 16x128 (small M) B N-major");
  test_fp8_block<GK_T_E4M3, GK_T_E4M3, GK_MMA_FP8, 3>(false, false, "fp8 block 1x128/128x128 K-major native");
  test_fp8_block<GK_T_E4M3, GK_T_E4M3, GK_MMA_FP8, 3>(true, false, "fp8 block MN-major scales native");
  test_fp8_block<GK_T_E4M3, GK_T_E4M3, GK_MMA_BF16, 3>(false, false, "fp8 block bf16 fallback (sm80 path)");
  test_fp8_block<GK_T_E4M3, GK_T_E5M2, GK_MMA_FP8, 2>(false, true, "fp8 block small-M e4m3xe5m2 -> e4m3 out");
  test_fp8_tensor<0>("fp8 per-tensor epilogue e4m3xe5m2 batch 2");
  test_fp4<0>("nvfp4 swizzled scales + global scale 128x128");
  test_fp4<2>("nvfp4 swizzled scales small M");
  test_moe<3>("moe masked 128x64", "moe ragged-M per-token", "moe ragged-K accumulate");
  test_moe<1>("moe masked 64x64", "moe ragged-M per-token 64", "moe ragged-K 64");
  test_paged_indexer();
  test_quant_fp8();
  test_segment();
  test_w4a16();
  test_ragged_psum_count();
  test_quant_fp4();
  test_metadata();
  test_mqa();
  printf("%s: %d failure(s)\n", fails ? "FAILED" : "ALL PASSED", fails);
  return fails ? 1 : 0;
}
