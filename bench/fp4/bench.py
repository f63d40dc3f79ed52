"""FP4 GEMM benchmark (mmFp4 on Hopper): gemmkit's sm90 decode-to-bf16 wgmma kernel vs BF16 cuBLAS on the
dequantized weights and FP8 blockwise torch._scaled_mm, same data, same GPU, same run.

Run on the GPU host through bench/fp4/run.sh (it builds the launcher library first).
Writes <out>/<gpu>-fp4-<date>.json in the format of shared/design/BENCH_RESULTS.md and prints a table last.
"""
import ctypes, sys, datetime, json, math, os, statistics, subprocess
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from gpu_timing import timeit  # noqa: E402  (device time per call; see its docstring)

torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device('cuda')
props = torch.cuda.get_device_properties(0)
NUM_SMS = props.multi_processor_count
L2 = getattr(props, 'L2_cache_size', 50 << 20)
LIB = ctypes.CDLL(os.environ.get('GK_FP4_LIB', '/tmp/gk_fp4_sm90.so'))
TAGS = os.environ['GK_TAGS'].split(',')
FNS, INFO = {}, {}
for t in TAGS:
    f = getattr(LIB, 'gk_' + t)
    f.restype = ctypes.c_int
    f.argtypes = [ctypes.c_void_p] * 8 + [ctypes.c_int] * 5 + [ctypes.c_void_p]
    FNS[t] = f
    vals = [ctypes.c_int() for _ in range(4)]
    getattr(LIB, 'gk_info_' + t)(*[ctypes.byref(v) for v in vals])
    INFO[t] = dict(bm=vals[0].value, bn=vals[1].value, stages=vals[2].value, smem=vals[3].value)
WS = torch.empty(64 << 20, dtype=torch.float32, device=dev)  # split-K partials (256 MiB)
COUNTERS = torch.zeros(1 << 16, dtype=torch.int32, device=dev)
E2M1 = torch.tensor([0, .5, 1, 1.5, 2, 3, 4, 6, -0., -.5, -1, -1.5, -2, -3, -4, -6], device=dev)


def cdiv(a, b):
    return (a + b - 1) // b


def choose(M, N, K, a_fp4, sms=NUM_SMS):
    """Deterministic config rule, the same as packages/backend-cuda/src/ops/sm90/fp4-gemm-sm90.ts
    (chooseSm90Fp4Config): (swap, bm, bn, split)."""
    kb = cdiv(K, 128)
    if not a_fp4 and M <= 64:
        swap, bm, bn = True, 128, next(b for b in (8, 16, 32, 64) if b >= M)
        rx, ry = N, M
    else:
        # W4A16: 64 weight rows per tile when that tiling still fits in one wave of SMs
        swap, bm = False, 128
        bn = 64 if not a_fp4 and cdiv(M, 128) * cdiv(N, 64) <= sms else 128
        rx, ry = M, N
    tiles = cdiv(rx, bm) * cdiv(ry, bn)
    # Cost model in K-block steps per SM (fit to the tuning table of bench/results/h200-fp4-2026-11-22.json,
    # where one K-block step costs about the same for every tile because decoding 128 weight rows dominates):
    # waves x (K blocks per split + for s > 1: 3 steps of pipeline fill/drain + s x the f32 partial's share).
    cap = min(16, max(1, kb // 2)) if swap else max(1, min(16, kb // 2, sms // tiles))
    best, best_t = 1, None
    for s in range(1, cap + 1):
        kbps = cdiv(kb, s)
        if cdiv(kb, kbps) != s:  # some split would be empty
            continue
        t = cdiv(tiles * s, sms) * (kbps + ((3 + s * bm * bn / 4096) if s > 1 else 0))
        if best_t is None or t < best_t:
            best, best_t = s, t
    return swap, bm, bn, best


def tag_for(swap, bm, bn, a_fp4, mx=False):
    if a_fp4:
        t = f'f_bm{bm}_bn{bn}'
    else:
        t = f"{'s' if swap else 'n'}_bm{bm}_bn{bn}"
    return t + ('_mx' if mx else '')


def run_ours(cfg, st, out, M, N, K, a_fp4, mx=False, tag=None):
    swap, bm, bn, split = cfg
    tag = tag or tag_for(swap, bm, bn, a_fp4, mx)
    if swap:
        x, xs, y, ys, rx, ry = st['w'], st['ws'], st['a'], None, N, M
    else:
        x, xs, y, ys, rx, ry = st['a'], st.get('as'), st['w'], st['ws'], M, N
    tiles = cdiv(rx, bm) * cdiv(ry, bn)
    units = tiles * split
    assert tiles * split * bm * bn <= WS.numel() and tiles <= COUNTERS.numel()
    ptr = lambda t: t.data_ptr() if t is not None else 0
    r = FNS[tag](ptr(x), ptr(y), ptr(xs), ptr(ys), st['alpha'].data_ptr(), out.data_ptr(), WS.data_ptr(),
                 COUNTERS.data_ptr(), rx, ry, K, split, min(units, NUM_SMS), torch.cuda.current_stream().cuda_stream)
    if r != 0:
        raise RuntimeError(f'launch {tag} failed: {r}')


def calc_diff(x, y):
    x, y = x.double(), y.double()
    denom = (x * x + y * y).sum()
    if denom == 0:
        return 0.0
    return float(1 - 2 * (x * y).sum() / denom)


def swizzle128x4(lin):
    """[rows, C] uint8 scales → the flat 128x4 swizzled layout [roundup(rows,128)·roundup(C,4)]:
    (r, c) at (r/128 · Kpad/4 + c/4)·512 + (r%32)·16 + ((r%128)/32)·4 + c%4; padding holds 0x7f (e4m3 NaN)
    so that a kernel reading padding for a valid output would show."""
    rows, c = lin.shape
    rp, kp = cdiv(rows, 128) * 128, cdiv(c, 4) * 4
    pad = torch.full((rp, kp), 0x7f, dtype=torch.uint8, device=dev)
    pad[:rows, :c] = lin
    return pad.view(rp // 128, 4, 32, kp // 4, 4).permute(0, 3, 2, 1, 4).contiguous().view(-1)


def rand_fp4(rows, K, g, mx=False):
    """Random packed e2m1 [rows, K/2] (low nibble = even k), block scales (linear and swizzled), dequantized f32."""
    vec = 32 if mx else 16
    packed = torch.randint(0, 256, (rows, K // 2), device=dev, dtype=torch.uint8, generator=g)
    if mx:
        sc_lin = torch.randint(120, 131, (rows, K // vec), device=dev, dtype=torch.uint8, generator=g)
        sc_f = torch.exp2(sc_lin.float() - 127)
    else:
        sc_e = (torch.exp2(torch.rand(rows, K // vec, device=dev, generator=g) * 6 - 5)).to(torch.float8_e4m3fn)
        sc_lin = sc_e.view(torch.uint8)
        sc_f = sc_e.float()
    nib = torch.stack((packed & 15, packed >> 4), -1).reshape(rows, K).long()
    deq = E2M1[nib] * sc_f.repeat_interleave(vec, 1)
    return packed, sc_lin, swizzle128x4(sc_lin), deq


def make_set(M, N, K, a_fp4, seed, mx=False):
    g = torch.Generator(device=dev).manual_seed(seed)
    w, _, ws, wd = rand_fp4(N, K, g, mx)
    st = dict(w=w, ws=ws, wd=wd, alpha=torch.tensor([0.7], device=dev))
    if a_fp4:
        a, _, as_, ad = rand_fp4(M, K, g, mx)
        st.update(a=a, ad=ad)
        st['as'] = as_
    else:
        st['a'] = torch.randn(M, K, device=dev, generator=g).to(torch.bfloat16)
        st['ad'] = st['a'].float()
    return st


def fp8_blockwise(x, br, bc):
    """x f32 [R, C] → e4m3 values and f32 scales per (br x bc) block (amax / 448)."""
    R, C = x.shape
    rp, cp = cdiv(R, br) * br, cdiv(C, bc) * bc
    xp = torch.zeros(rp, cp, device=dev)
    xp[:R, :C] = x
    blk = xp.view(rp // br, br, cp // bc, bc)
    s = blk.abs().amax(dim=(1, 3)).clamp(min=1e-12) / 448.0
    q = (blk / s[:, None, :, None]).view(rp, cp)[:R, :C].to(torch.float8_e4m3fn)
    return q.contiguous(), s


def main():
    out_dir = os.environ.get('OUT', '/tmp')
    gpu = torch.cuda.get_device_name(0)
    short = 'h200' if 'H200' in gpu else ('h100' if 'H100' in gpu else gpu.replace(' ', '-').lower())
    date = datetime.date.today().isoformat()
    commit = os.environ.get('GIT_COMMIT', 'unknown')
    driver = subprocess.run(['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader'],
                            capture_output=True, text=True).stdout.strip()
    print('variants', INFO, flush=True)

    # Ceilings measured in this run: device copy bandwidth, BF16 peak through torch.
    x = torch.empty(1 << 30, dtype=torch.uint8, device=dev)
    y = torch.empty_like(x)
    t = timeit([lambda: y.copy_(x)], batches=10)
    hbm = 2 * x.numel() / t / 1e3
    del x, y
    s8 = 8192
    ab = torch.randn(s8, s8, device=dev, dtype=torch.bfloat16)
    bb = torch.randn(s8, s8, device=dev, dtype=torch.bfloat16)
    bf16_peak = 2 * s8 ** 3 / timeit([lambda: ab @ bb]) / 1e6
    del ab, bb
    ceilings = dict(hbmGBps=round(hbm, 1), bf16TFLOPS=round(bf16_peak, 1))
    print('ceilings', ceilings, flush=True)

    # (M, N, K, a_fp4, mx, timed); edges first (verification only): ragged M/N, K not a multiple of 128, MXFP4
    cases = [(1, 300, 4096, False, False, False), (37, 1000, 352, False, False, False),
             (200, 1000, 352, False, False, False), (130, 260, 160, True, False, False),
             (16, 512, 1024, False, True, False)]
    cases += [(m, n, k, False, False, True) for (n, k) in [(4096, 7168), (7168, 2048), (14336, 4096)]
              for m in (1, 16, 128, 4096)]
    cases += [(4096, n, k, True, False, True) for (n, k) in [(4096, 7168), (7168, 2048), (14336, 4096)]]
    if os.environ.get('GK_CASES'):
        keep = set(os.environ['GK_CASES'].split(','))
        cases = [c for c in cases if f'{c[0]}x{c[1]}x{c[2]}' in keep]
    results = []
    path = os.path.join(out_dir, f'{short}-fp4-{date}.json')

    def write():  # after every case, so a crash or a timeout still leaves the finished rows
        doc = dict(suite='fp4', gpu=gpu, driver=driver, cuda=torch.version.cuda, torch=torch.__version__,
                   commit=commit, date=date, ceilings=ceilings, variants=INFO, results=results)
        with open(path, 'w') as f:
            json.dump(doc, f, indent=1)

    for (M, N, K, a_fp4, mx, timed) in cases:
        print(f'case M={M} N={N} K={K} fp4A={a_fp4} mx={mx}', flush=True)
        torch.cuda.empty_cache()
        per_set = N * K // 2 + N * K // 16 + (M * K // 2 if a_fp4 else 2 * M * K)
        nsets = max(1, min(8, cdiv(3 * L2, per_set))) if timed else 1
        sets = [make_set(M, N, K, a_fp4, 1000 + i, mx) for i in range(nsets)]
        outs = [torch.full((M, N), float('nan'), device=dev, dtype=torch.bfloat16) for _ in sets]
        cfg = choose(M, N, K, a_fp4)
        row = dict(op='mmFp4', backend='cuda', layout='w4a16' if not a_fp4 else 'nvfp4xnvfp4',
                   format='mxfp4' if mx else 'nvfp4', kernel='sm90 decode-to-bf16 wgmma',
                   config=dict(swapAB=cfg[0], blockM=cfg[1], blockN=cfg[2], splitK=cfg[3],
                               stages=INFO[tag_for(cfg[0], cfg[1], cfg[2], a_fp4, mx)]['stages']),
                   shape=dict(M=M, N=N, K=K, G=1))
        try:
            run_ours(cfg, sets[0], outs[0], M, N, K, a_fp4, mx)
            torch.cuda.synchronize()
            nan_count = int(torch.isnan(outs[0].float()).sum())
            rows = torch.unique(torch.cat([torch.tensor([0, M - 1]), torch.randint(0, M, (62,))])).to(dev)
            ref = (sets[0]['ad'][rows] @ sets[0]['wd'].t()) * 0.7
            got = outs[0][rows].float()
            diff = calc_diff(got, ref)
            maxabs = float((got - ref).abs().max())
            first = outs[0].clone()
            run_ours(cfg, sets[0], outs[0], M, N, K, a_fp4, mx)
            torch.cuda.synchronize()
            bitwise = bool(torch.equal(first.view(torch.int16), outs[0].view(torch.int16)))
            ok = nan_count == 0 and diff < 1e-5 and bitwise
            row.update(diff=diff, maxAbs=maxabs, nanCount=nan_count, bitwiseRerun=bitwise, **{'pass': ok})
            xtag = 'x' + tag_for(*cfg[:3], a_fp4, mx)[1:] if cfg[0] else None
            if xtag in FNS:  # GK_EXPERIMENT=1: the shared-memory decode variant on the same data and split
                try:
                    xo = torch.full_like(outs[0], float('nan'))
                    run_ours(cfg, sets[0], xo, M, N, K, a_fp4, mx, tag=xtag)
                    torch.cuda.synchronize()
                    row['experiment'] = dict(
                        name='XREG=0: weight decoded into bf16 shared-memory tiles (the previous default)', tag=xtag,
                        nanCount=int(torch.isnan(xo.float()).sum()), diff=calc_diff(xo[rows].float(), ref),
                        bitwiseEqualDefault=bool(torch.equal(xo.view(torch.int16), outs[0].view(torch.int16))))
                    if timed:
                        row['experiment']['median_us'] = round(timeit(
                            [lambda i=i: run_ours(cfg, sets[i], outs[i], M, N, K, a_fp4, mx, tag=xtag)
                             for i in range(nsets)]), 2)
                    print('  experiment', row['experiment'], flush=True)
                except Exception as ex:
                    row['experiment'] = dict(tag=xtag, error=str(ex)[:200])
        except Exception as ex:  # a failing case must not hide the others
            row.update(error=str(ex)[:200], **{'pass': False})
            ok = False
        if timed and 'error' not in row:
            mk = lambda c, i: (lambda: run_ours(c, sets[i], outs[i], M, N, K, a_fp4, mx))
            ours_us = timeit([mk(cfg, i) for i in range(nsets)])
            # offline tuning table: alternative configs of the built variants
            tune = {}
            swap, bm, bn, split = cfg
            alts = {(swap, bm, bn, s) for s in (1, 2, 4, 8, 16)}
            if swap:
                alts |= {(True, 64, bn, s) for s in (split, 2 * split)}
            elif not a_fp4:
                alts |= {(False, 128, 64, s) for s in (1, 2, 4)}
            for c in sorted(alts):
                if c == cfg or tag_for(c[0], c[1], c[2], a_fp4) not in FNS or c[3] > cdiv(K, 128):
                    continue
                try:
                    tune[f'{"swap" if c[0] else "nt"}/{c[1]}x{c[2]}/s{c[3]}'] = round(
                        timeit([mk(c, i) for i in range(nsets)], batches=7), 2)
                except Exception as ex:
                    tune[str(c)] = str(ex)[:80]
            # peers: BF16 cuBLAS on the dequantized operands (exact in bf16), FP8 blockwise cuBLASLt
            peers = []
            wb = [s['wd'].to(torch.bfloat16) for s in sets]
            abf = [s['ad'].to(torch.bfloat16) for s in sets]
            bf_us = timeit([lambda i=i: abf[i] @ wb[i].t() for i in range(nsets)])
            pdiff = calc_diff((abf[0][rows] @ wb[0].t()).float() * 0.7, ref)
            peers.append(dict(name='torch.matmul bf16 (cuBLAS), dequantized weights', median_us=round(bf_us, 2),
                              tflops=round(2 * M * N * K / bf_us / 1e6, 1), diff=pdiff))
            del wb
            try:
                qa, sa = fp8_blockwise(sets[0]['ad'], 1, 128)
                qb, sb = fp8_blockwise(sets[0]['wd'], 128, 128)
                sa = sa[:M].contiguous()
                f8 = lambda: torch._scaled_mm(qa, qb.t(), scale_a=sa.t().contiguous().t(), scale_b=sb.t(),
                                              out_dtype=torch.bfloat16)
                po = f8()
                torch.cuda.synchronize()
                fd = calc_diff(po[rows].float() * 0.7, ref)
                f8_us = timeit([f8])
                peers.append(dict(name='torch._scaled_mm fp8 blockwise 1x128/128x128 (cuBLASLt)',
                                  median_us=round(f8_us, 2), tflops=round(2 * M * N * K / f8_us / 1e6, 1), diff=fd,
                                  note='one input set (weights may sit in L2 for small shapes)'))
            except Exception as ex:
                peers.append(dict(name='torch._scaled_mm fp8 blockwise 1x128/128x128 (cuBLASLt)', error=str(ex)[:200]))
            flops = 2 * M * N * K
            sbytes = cdiv(N, 128) * 128 * cdiv(K // 16, 4) * 4
            nbytes = N * K // 2 + sbytes + 2 * M * N
            nbytes += (M * K // 2 + cdiv(M, 128) * 128 * cdiv(K // 16, 4) * 4) if a_fp4 else 2 * M * K
            row.update(median_us=round(ours_us, 2), tflops=round(flops / ours_us / 1e6, 1),
                       gbps=round(nbytes / ours_us / 1e3, 1), bwFraction=round(nbytes / ours_us / 1e3 / hbm, 3),
                       bytes=nbytes, peer=peers[0], peers=peers, ratio=round(bf_us / ours_us, 3), tuning=tune)
            del abf
        results.append(row)
        print(f"M={M:5d} N={N:5d} K={K:5d} {row['layout']:11s} {row['format']} cfg={cfg} "
              f"us={row.get('median_us')} bw={row.get('bwFraction')} ratio={row.get('ratio')} "
              f"diff={row.get('diff')} pass={row['pass']} {row.get('error', '')}", flush=True)
        del sets, outs
        write()
    print('wrote', path)
    print(f"\n{'M':>5} {'N':>6} {'K':>6} {'kind':>11} {'cfg':>18} {'us':>9} {'TFLOPS':>7} {'bw%':>5} "
          f"{'bf16 us':>9} {'x bf16':>6} {'fp8 us':>9} pass")
    for r in results:
        s, c = r['shape'], r['config']
        cs = f"{'swap' if c['swapAB'] else 'nt'} {c['blockM']}x{c['blockN']} s{c['splitK']}"
        f8 = r['peers'][1].get('median_us', '-') if r.get('peers') else '-'
        bw = f"{100 * r['bwFraction']:5.1f}" if 'bwFraction' in r else '    -'
        print(f"{s['M']:5d} {s['N']:6d} {s['K']:6d} {r['layout']:>11} {cs:>18} {r.get('median_us', '-')!s:>9} "
              f"{r.get('tflops', '-')!s:>7} {bw} {(r.get('peer') or {}).get('median_us', '-')!s:>9} "
              f"{r.get('ratio', '-')!s:>6} {f8!s:>9} {r['pass']}")


if __name__ == '__main__':
    main()
