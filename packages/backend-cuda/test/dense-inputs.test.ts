import { type DType, isGemmkitError, Tensor } from '@gemmkit/core';
import { describe, expect, it } from 'vitest';
import { withDenseInputs } from '../src/ops/dense-inputs.js';
import { GEMM_PARAMS_OFFSETS } from '../src/ops/gemm-params.js';
import { packStridedView } from '../src/ops/strided-copy.js';
import { expectListed, type Launch, recordingBackend, runOp } from './recording-runtime.js';

// Strided inputs the op contracts allow reach the CUDA kernels as dense temporaries: one gather launch per
// strided input (listed in KERNEL_INSTANCES, so the compile tier builds it), the op launch reading the
// temporary, and the temporary handed back once both are enqueued. Dense inputs are passed as they are.

type Run = ReturnType<typeof runOp>;

const h = (dtype: DType, shape: number[]) => Tensor.host(dtype, shape);
/** 1-D view with element stride `step` starting at element 1 of a larger buffer. */
const every = (dtype: DType, n: number, step = 2) =>
  new Tensor(dtype, [n], Tensor.host(dtype, [n * step + 1]).storage, [step], 1);

const gathers = (r: Run) => r.launches.filter((l) => l.file === 'strided_copy.cu');

/** The gather of `src`: listed, reads src through its packed view, writes a dense temporary released since. */
function gathered(r: Run, src: Tensor, arch = 'sm_90a', entry?: string) {
  const g = r.launches.find((l) => l.file === 'strided_copy.cu' && l.args[0] === r.address(src));
  expect(g, `no gather of a [${src.shape}] / [${src.strides}] view`).toBeTruthy();
  const l = g as Launch;
  expectListed(l, arch);
  if (entry) expect(l.name).toBe(entry);
  expect(l.block).toEqual([256]);
  expect(l.grid).toEqual([Math.ceil(src.numel / 256)]);
  expect(l.args[2]).toEqual({ bytes: packStridedView(src, 'src'), align: 8 });
  const tmp = r.allocated.find((t) => r.address(t) === l.args[1]);
  expect(tmp, 'gather target is a backend allocation').toBeTruthy();
  const t = tmp as Tensor;
  expect(t.shape).toEqual(src.shape);
  expect(t.isContiguous).toBe(true);
  expect(t.disposed, 'temporary released after the launch').toBe(true);
  return { at: r.launches.indexOf(l), ptr: l.args[1] as bigint, tmp: t };
}

/** The one launch of `name`, after every gather. */
function opLaunch(r: Run, name: string) {
  const ls = r.launches.filter((l) => l.name === name);
  expect(ls).toHaveLength(1);
  const at = r.launches.indexOf(ls[0]);
  for (const g of gathers(r)) expect(r.launches.indexOf(g)).toBeLessThan(at);
  return ls[0];
}

/** A pointer / int field of the packed GkGemmParams of a GEMM launch. */
function field(l: Launch, f: 'index' | 'index2' | 'index_i64'): bigint | number {
  const a = l.args[0] as { bytes: Uint8Array };
  const v = new DataView(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength);
  const off = GEMM_PARAMS_OFFSETS[f];
  return f === 'index_i64' ? v.getInt32(off, true) : v.getBigUint64(off, true);
}

describe('strided inputs on the CUDA launchers (recording runtime)', () => {
  it('dequantFp4: a transposed x is gathered (bytes of packed pairs); dense scales are read in place', () => {
    const x = h('e2m1x2', [8, 4]).transpose(0, 1);
    const scale = h('e4m3', [4, 1]);
    const r = runOp('dequantFp4', { x, scale, layout: 'linear' });
    const g = gathered(r, x, 'sm_90a', 'gk_strided_copy_b1');
    const l = opLaunch(r, 'gk_dequant_fp4');
    expectListed(l, 'sm_90a');
    expect(l.args[0]).toBe(g.ptr);
    expect(l.args[3]).toBe(r.address(scale));
    expect(gathers(r)).toHaveLength(1);
    expect((r.result as Tensor).disposed).toBe(false);
  });

  it('dequantFp4 with dense inputs launches no gather', () => {
    const x = h('e2m1x2', [4, 16]);
    const r = runOp('dequantFp4', { x, scale: h('e4m3', [4, 2]), layout: 'linear' });
    expect(gathers(r)).toHaveLength(0);
    expect(opLaunch(r, 'gk_dequant_fp4').args[0]).toBe(r.address(x));
  });

  it('scaleToMnMajor, swizzleScales and unswizzleScales gather a strided scale input', () => {
    const cases: Array<[string, Record<string, unknown>, Tensor, string]> = [];
    const f32 = h('f32', [4, 6]).transpose(0, 1);
    cases.push(['scaleToMnMajor', { scale: f32 }, f32, 'gk_strided_copy_b4']);
    const e4 = h('e4m3', [6, 33]).transpose(0, 1);
    cases.push(['swizzleScales', { scale: e4 }, e4, 'gk_strided_copy_b1']);
    const sw = every('u8', 128 * 4);
    cases.push(['unswizzleScales', { scale: sw, rows: 100, cols: 3 }, sw, 'gk_strided_copy_b1']);
    for (const [op, args, src, entry] of cases) {
      const r = runOp(op as 'swizzleScales', args);
      const g = gathered(r, src, 'sm_90a', entry);
      const l = opLaunch(r, 'gk_scale_transform');
      expectListed(l, 'sm_90a');
      expect(l.args[0], op).toBe(g.ptr);
    }
  });

  it('fp8MqaLogits gathers exactly its strided inputs (q narrowed, weights transposed, starts strided)', () => {
    const q = h('e4m3', [4, 8, 128]).narrow(2, 0, 64);
    const weights = h('f32', [8, 4]).transpose(0, 1);
    const starts = every('i32', 4);
    const args = {
      q,
      k: h('e4m3', [300, 64]),
      kScale: h('f32', [300]),
      weights,
      cuSeqLenKStart: starts,
      cuSeqLenKEnd: h('i32', [4]),
      cleanLogits: true,
    };
    const r = runOp('fp8MqaLogits', args, 'sm_89');
    const l = opLaunch(r, 'gk_mqa_logits_d64');
    expectListed(l, 'sm_89');
    expect(gathers(r)).toHaveLength(3);
    expect(l.args[0]).toBe(gathered(r, q, 'sm_89', 'gk_strided_copy_b1').ptr);
    expect(l.args[3]).toBe(gathered(r, weights, 'sm_89', 'gk_strided_copy_b4').ptr);
    expect(l.args[4]).toBe(gathered(r, starts, 'sm_89', 'gk_strided_copy_b4').ptr);
    expect(l.args[1]).toBe(r.address(args.k));
    expect(l.args[2]).toBe(r.address(args.kScale));
    expect(l.args[5]).toBe(r.address(args.cuSeqLenKEnd));
  });

  it('fp8PagedMqaLogits gathers a narrowed q and a column-major blockTable (then row stride = maxBlocks)', () => {
    const q = h('e4m3', [2, 1, 64, 256]).narrow(3, 0, 128);
    const blockTable = h('i32', [8, 2]).transpose();
    const r = runOp(
      'fp8PagedMqaLogits',
      {
        q,
        fusedKvCache: h('u8', [16, 64, 1, 132]),
        weights: h('f32', [2, 64]),
        contextLens: h('i32', [2]),
        blockTable,
        scheduleMeta: h('i32', [133, 2]),
        maxContextLen: 8 * 64,
        cleanLogits: false,
      },
      'sm_89',
    );
    const l = opLaunch(r, 'gk_paged_mqa_logits_d128');
    expectListed(l, 'sm_89');
    expect(gathers(r)).toHaveLength(2);
    expect(l.args[0]).toBe(gathered(r, q, 'sm_89').ptr);
    expect(l.args[7]).toBe(gathered(r, blockTable, 'sm_89', 'gk_strided_copy_b4').ptr);
    expect(l.args[8]).toEqual({ i64: 8 });
  });

  // segmentGemm on sm_89: the portable kernel (sm_90a takes the TMA path, test/sm90-segment.test.ts).
  const segArgs = (segLens: Tensor, weightIndices?: Tensor) => ({
    x: h('f16', [10, 64]),
    weights: h('f16', [2, 64, 96]),
    batchSize: 3,
    weightColumnMajor: false,
    segLens,
    weightIndices,
  });

  it('segmentGemm: i32 segLens with i64 weightIndices (FlashInfer dtype) widen the lens to i64', () => {
    const segLens = h('i32', [3]);
    const wi = h('i64', [3]);
    const r = runOp('segmentGemm', segArgs(segLens, wi), 'sm_89');
    const g = gathered(r, segLens, 'sm_89', 'gk_strided_widen_i32_i64');
    expect(g.tmp.dtype).toBe('i64');
    expect(gathers(r)).toHaveLength(1);
    const l = opLaunch(r, 'gk_gemm_half');
    expect(field(l, 'index')).toBe(g.ptr);
    expect(field(l, 'index2')).toBe(r.address(wi));
    expect(field(l, 'index_i64')).toBe(1);
  });

  it('segmentGemm: a strided i32 weightIndices with i64 segLens is gathered and widened in one launch', () => {
    const segLens = h('i64', [3]);
    const wi = every('i32', 3, 3);
    const r = runOp('segmentGemm', segArgs(segLens, wi), 'sm_89');
    const g = gathered(r, wi, 'sm_89', 'gk_strided_widen_i32_i64');
    expect(gathers(r)).toHaveLength(1);
    const l = opLaunch(r, 'gk_gemm_half');
    expect(field(l, 'index')).toBe(r.address(segLens));
    expect(field(l, 'index2')).toBe(g.ptr);
    expect(field(l, 'index_i64')).toBe(1);
  });

  it('segmentGemm: same-width index tensors keep their width; strided ones are gathered as they are', () => {
    const segLens = every('i32', 3);
    const wi = h('i32', [3]);
    const r = runOp('segmentGemm', segArgs(segLens, wi), 'sm_89');
    const g = gathered(r, segLens, 'sm_89', 'gk_strided_copy_b4');
    expect(g.tmp.dtype).toBe('i32');
    const l = opLaunch(r, 'gk_gemm_half');
    expect(field(l, 'index')).toBe(g.ptr);
    expect(field(l, 'index2')).toBe(r.address(wi));
    expect(field(l, 'index_i64')).toBe(0);
    const dense = runOp('segmentGemm', segArgs(h('i64', [3]), h('i64', [3])), 'sm_89');
    expect(gathers(dense)).toHaveLength(0);
  });

  it('masked, ragged-M and ragged-K grouped GEMMs gather strided maskedM / raggedTokensInfo', () => {
    const [e, maxM, n, k] = [4, 96, 200, 256];
    const maskedM = every('i32', e);
    const masked = runOp(
      'maskedMoeGemm8bit',
      {
        a: h('e4m3', [e, maxM, k]),
        aScale: h('f32', [e, maxM, 2]),
        b: h('e4m3', [e, n, k]),
        bScale: h('f32', [e, 2, 2]),
        maskedM,
      },
      'sm_100a',
    );
    const gm = gathered(masked, maskedM, 'sm_100a', 'gk_strided_copy_b4');
    expect(field(opLaunch(masked, 'gk_gemm_moe'), 'index')).toBe(gm.ptr);

    const infoM = every('i32', 3, 5);
    const raggedM = runOp(
      'raggedMMoeGemm8bit',
      {
        a: h('e4m3', [512, 256]),
        aScale: h('f32', [512, 2]),
        b: h('e4m3', [3, 128, 256]),
        bScale: h('f32', [3, 1, 2]),
        raggedTokensInfo: infoM,
        gemmMode: 'psum_expert',
        alignmentM: 256,
      },
      'sm_100a',
    );
    const gr = gathered(raggedM, infoM, 'sm_100a', 'gk_strided_copy_b4');
    expect(field(opLaunch(raggedM, 'gk_gemm_moe'), 'index')).toBe(gr.ptr);

    const infoK = every('i32', 3);
    const raggedK = runOp('raggedKMoeGemm8bit', {
      a: h('e4m3', [384, 72]),
      aScale: h('f32', [3, 72]),
      b: h('e4m3', [384, 100]),
      bScale: h('f32', [3, 100]),
      raggedTokensInfo: infoK,
      out: h('f32', [3, 72, 100]),
    });
    const gk = gathered(raggedK, infoK, 'sm_90a', 'gk_strided_copy_b4');
    expect(field(opLaunch(raggedK, 'gk_gemm_moe'), 'index')).toBe(gk.ptr);
  });

  it('on sm_90a the Hopper kernels get the gathered copies (before: strided views fell back or failed)', () => {
    const [m, n, k, e] = [256, 256, 256, 4];
    const info = every('i32', m);
    const ragged = runOp('raggedMMoeGemm8bit', {
      a: h('e4m3', [m, k]),
      aScale: h('f32', [m, 2]),
      b: h('e4m3', [e, n, k]),
      bScale: h('f32', [e, 2, 2]),
      raggedTokensInfo: info,
      gemmMode: 'per_token',
    });
    const gi = gathered(ragged, info, 'sm_90a', 'gk_strided_copy_b4');
    expect(opLaunch(ragged, 'sm90_grouped_block_list').args[0]).toBe(gi.ptr);
    expect(opLaunch(ragged, 'fp8_grouped_gemm_sm90').args).toContain(gi.ptr); // per-row expert ids

    const maskedM = every('i32', e);
    const masked = runOp('maskedMoeGemm8bit', {
      a: h('e4m3', [e, 64, k]),
      aScale: h('f32', [e, 64, 2]),
      b: h('e4m3', [e, n, k]),
      bScale: h('f32', [e, 2, 2]),
      maskedM,
    });
    const gm = gathered(masked, maskedM, 'sm_90a', 'gk_strided_copy_b4');
    expect(opLaunch(masked, 'fp8_grouped_gemm_sm90').args).toContain(gm.ptr);

    const weights = h('f32', [64, 4]).transpose(0, 1);
    const mqa = runOp('fp8MqaLogits', {
      q: h('e4m3', [4, 64, 128]),
      k: h('e4m3', [300, 128]),
      kScale: h('f32', [300]),
      weights,
      cuSeqLenKStart: h('i32', [4]),
      cuSeqLenKEnd: h('i32', [4]),
      cleanLogits: true,
    });
    const gw = gathered(mqa, weights, 'sm_90a', 'gk_strided_copy_b4');
    expect(mqa.launches.some((l) => l.file?.startsWith('sm90/'))).toBe(true);
    expect(mqa.maps.map((o) => o.ptr)).toContain(gw.ptr);

    // Dense FP8 GEMM: the TMA boxes read dense [rows, K]; padded rows (a slice of a wider buffer) are gathered.
    const a = h('e4m3', [m, k + 64]).narrow(1, 0, k);
    const b = h('e4m3', [n, k]);
    const dense = runOp('gemmFp8NtGroupwise', {
      a,
      b,
      aScale: h('f32', [m, 2]),
      bScale: h('f32', [2, 2]),
      outDtype: 'bf16',
    });
    const ga = gathered(dense, a, 'sm_90a', 'gk_strided_copy_b1');
    expect(gathers(dense)).toHaveLength(1); // b is dense: read in place
    expect(opLaunch(dense, 'fp8_gemm_sm90').file).toBe('sm90/fp8_gemm_sm90.cu');
    expect(dense.maps.map((o) => o.ptr)).toEqual(expect.arrayContaining([ga.ptr, dense.address(b)]));
    expect(dense.maps.map((o) => o.ptr)).not.toContain(dense.address(a));
  });

  it('quantizers / dequantFp8 gather x only when its leading dims do not collapse into one row stride', () => {
    // [4, 3, 64] stored as [3, 4, 64]: rows are not one stride apart.
    const permuted = () => h('f32', [3, 4, 64]).permute([1, 0, 2]);
    const x1 = permuted();
    const perTensor = runOp('quantPerTensorFp8', { x: x1 });
    const g1 = gathered(perTensor, x1, 'sm_90a', 'gk_strided_copy_b4');
    expect(gathers(perTensor)).toHaveLength(1); // amax and quantize share the one copy
    expect(opLaunch(perTensor, 'gk_amax').args[0]).toBe(g1.ptr);
    expect(opLaunch(perTensor, 'gk_quant_fp8').args[0]).toBe(g1.ptr);

    // NVFP4 rank 3: the quantizer takes the three strides; only the amax pass needs the copy.
    const x2 = permuted();
    const nv = runOp('quantNvfp4', { x: x2 });
    const g2 = gathered(nv, x2, 'sm_90a', 'gk_strided_copy_b4');
    expect(opLaunch(nv, 'gk_amax').args[0]).toBe(g2.ptr);
    expect(opLaunch(nv, 'gk_quant_fp4').args[0]).toBe(nv.address(x2));

    const x3 = h('bf16', [2, 3, 2, 64]).permute([2, 1, 0, 3]);
    const mx = runOp('quantMxfp4', { x: x3, layout: 'linear' });
    const g3 = gathered(mx, x3, 'sm_90a', 'gk_strided_copy_b2');
    expect(opLaunch(mx, 'gk_quant_fp4').args[0]).toBe(g3.ptr);

    const x4 = h('e4m3', [3, 4, 64]).permute([1, 0, 2]);
    const dq = runOp('dequantFp8', { x: x4, scale: h('f32', [1]) });
    const g4 = gathered(dq, x4, 'sm_90a', 'gk_strided_copy_b1');
    expect(opLaunch(dq, 'gk_dequant_fp8').args[0]).toBe(g4.ptr);

    // A transposed 2-D input is one row stride apart already: read in place.
    const t = h('f32', [64, 5]).transpose(0, 1);
    const direct = runOp('quantPerTensorFp8', { x: t });
    expect(gathers(direct)).toHaveLength(0);
    expect(opLaunch(direct, 'gk_amax').args[0]).toBe(direct.address(t));
  });

  it('strided outputs keep their E_LAYOUT rule', () => {
    const out = h('e4m3', [2 * 128 * 4]).narrow(0, 0, 128 * 4);
    const strided = new Tensor('e4m3', [128 * 4], out.storage, [2]);
    try {
      runOp('swizzleScales', { scale: h('e4m3', [4, 4]), out: strided });
      expect.unreachable();
    } catch (e) {
      expect(isGemmkitError(e, 'E_LAYOUT')).toBe(true);
    }
  });

  it('temporaries are released when the launcher throws after gathering', () => {
    const f = recordingBackend();
    const src = h('f32', [3, 5]).transpose(0, 1);
    let tmp: Tensor | undefined;
    expect(() =>
      withDenseInputs(f.kctx, (d) => {
        tmp = d.dense(src, 'op.src');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(tmp?.disposed).toBe(true);
    expect(src.disposed).toBe(false);
    expect(f.launches.map((l) => l.name)).toEqual(['gk_strided_copy_b4']);
  });
});
