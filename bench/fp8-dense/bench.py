"""FP8 block-scaled dense GEMM benchmark: gemmkit's sm90 kernel vs torch/cuBLASLt peers, same data, same GPU.

Run on the GPU host through bench/fp8-dense/run.sh (it builds the launcher library first).
Writes <out>/<gpu>-fp8-dense-<date>.json in the format of shared/design/BENCH_RESULTS.md and prints a table.
"""
import ctypes, json, math, os, statistics, subprocess, sys, time, datetime
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from gpu_timing import timeit  # noqa: E402  (device time per call; see its docstring)

torch.backends.cuda.matmul.allow_tf32 = False
dev = torch.device('cuda')
props = torch.cuda.get_device_properties(0)
NUM_SMS = props.multi_processor_count
L2 = getattr(props, 'L2_cache_size', 50 << 20)
LIB = ctypes.CDLL(os.environ.get('GK_FP8_LIB', '/tmp/gk_fp8_sm90.so'))
TAGS = os.environ.get('GK_TAGS', 'bm128_bn128_c1,bm128_bn192_c1,bm64_bn128_c1,bm64_bn64_c1,bm128_bn64_c1').split(',')
FNS = {}
for t in TAGS:
    f = getattr(LIB, 'gk_' + t)
    f.restype = ctypes.c_int
    f.argtypes = [ctypes.c_void_p] * 8 + [ctypes.c_int] * 5 + [ctypes.c_void_p]
    FNS[t] = f
WS = torch.empty(64 << 20, dtype=torch.float32, device=dev)  # split-K partials
COUNTERS = torch.zeros(1 << 16, dtype=torch.int32, device=dev)


def cdiv(a, b):
    return (a + b - 1) // b


def choose(M, N, K):
    """Deterministic config chooser (the same rule as packages/backend-cuda/src/ops/sm90/fp8-gemm-sm90.ts):
    (blockM, blockN, splitK, cluster). Derived from the offline tuning table this script records."""
    kb = cdiv(K, 128)
    bm = 64 if M <= 64 else 128
    m_blocks = cdiv(M, bm)
    if m_blocks * cdiv(N, 128) >= NUM_SMS:
        if kb <= 4 and bm == 128 and m_blocks * cdiv(N, 192) >= NUM_SMS:
            return bm, 192, 1, 1
        return bm, 128, 1, 1
    tiles = m_blocks * cdiv(N, 64)
    split = max(1, min(4, NUM_SMS // tiles, kb // 8))
    return bm, 64, split, 1


def run_ours(cfg, a, b, sfa_mn, sfb, out, M, N, K):
    bm, bn, split, cluster = cfg[:4]
    variant = cfg[4] if len(cfg) > 4 else ''
    tiles = cdiv(cdiv(M, bm), cluster) * cluster * cdiv(N, bn) * split
    grid = min(tiles, NUM_SMS // cluster * cluster)
    if split > 1:
        assert cdiv(M, bm) * cdiv(N, bn) * split * bm * bn <= WS.numel()
    r = FNS[f'bm{bm}_bn{bn}_c{cluster}' + (f'_{variant}' if variant else '')](a.data_ptr(), b.data_ptr(), sfa_mn.data_ptr(), sfb.data_ptr(), out.data_ptr(), 0,
                                   WS.data_ptr(), COUNTERS.data_ptr(), M, N, K, split, grid,
                                   torch.cuda.current_stream().cuda_stream)
    if r != 0:
        raise RuntimeError(f'launch failed: {r}')


def calc_diff(x, y):
    x, y = x.double(), y.double()
    denom = (x * x + y * y).sum()
    if denom == 0:
        return 0.0
    return float(1 - 2 * (x * y).sum() / denom)


def make_set(M, N, K, seed):
    g = torch.Generator(device=dev).manual_seed(seed)
    kb, nb = cdiv(K, 128), cdiv(N, 128)
    a = (torch.randn(M, K, device=dev, generator=g) * 2).to(torch.float8_e4m3fn)
    b = (torch.randn(N, K, device=dev, generator=g) * 2).to(torch.float8_e4m3fn)
    sfa = torch.exp2(torch.rand(M, kb, device=dev, generator=g) * 4 - 6)
    sfb = torch.exp2(torch.rand(nb, kb, device=dev, generator=g) * 4 - 6)
    mpad = cdiv(M, 4) * 4
    sfa_mn = torch.zeros(kb, mpad, device=dev)
    sfa_mn[:, :M] = sfa.t()
    return dict(a=a, b=b, sfa=sfa, sfb=sfb, sfa_mn=sfa_mn.contiguous())


def reference_rows(st, rows, N, K):
    a, b, sfa, sfb = st['a'], st['b'], st['sfa'], st['sfb']
    ad = a[rows].float() * sfa[rows].repeat_interleave(128, 1)[:, :K]
    bd = b.float() * sfb.repeat_interleave(128, 0)[:N].repeat_interleave(128, 1)[:, :K]
    return ad @ bd.t()


PEER_VARIANT = {}


def peer_blockwise(st, M, N, K):
    """torch._scaled_mm with 1x128 (A) and 128x128 (B) scales (cuBLASLt). torch wants scale_a (M, K/128) with
    stride (1, M) and scale_b such that scale_b.t() is the row-major (N/128, K/128) tensor."""
    a, b, sfa, sfb = st['a'], st['b'], st['sfa'], st['sfb']
    sa = sfa.t().contiguous().t()
    sb = sfb.t()
    f = lambda: torch._scaled_mm(a, b.t(), scale_a=sa, scale_b=sb, out_dtype=torch.bfloat16)
    return 'sa (M,K/128) stride (1,M); sb = sfb.t()', f


def main():
    out_dir = os.environ.get('OUT', '/tmp')
    gpu = torch.cuda.get_device_name(0)
    short = 'h200' if 'H200' in gpu else ('h100' if 'H100' in gpu else gpu.replace(' ', '-').lower())
    date = datetime.date.today().isoformat()
    commit = os.environ.get('GIT_COMMIT', 'unknown')
    driver = subprocess.run(['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader'],
                            capture_output=True, text=True).stdout.strip()

    # Ceilings: device copy bandwidth, FP8 and BF16 peak through torch.
    x = torch.empty(1 << 30, dtype=torch.uint8, device=dev)
    y = torch.empty_like(x)
    t = timeit([lambda: y.copy_(x)], batches=10)
    hbm = 2 * x.numel() / t / 1e3
    del x, y
    s8 = 8192
    a8 = torch.randn(s8, s8, device=dev).to(torch.float8_e4m3fn)
    b8 = torch.randn(s8, s8, device=dev).to(torch.float8_e4m3fn)
    one = torch.tensor(1.0, device=dev)
    t = timeit([lambda: torch._scaled_mm(a8, b8.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)])
    fp8_peak = 2 * s8 ** 3 / t / 1e6
    ab = torch.randn(s8, s8, device=dev, dtype=torch.bfloat16)
    bb = torch.randn(s8, s8, device=dev, dtype=torch.bfloat16)
    t = timeit([lambda: ab @ bb])
    bf16_peak = 2 * s8 ** 3 / t / 1e6
    del a8, b8, ab, bb
    ceilings = dict(hbmGBps=round(hbm, 1), fp8TFLOPS=round(fp8_peak, 1), bf16TFLOPS=round(bf16_peak, 1))
    print('ceilings', ceilings, flush=True)

    path = os.path.join(out_dir, f'{short}-fp8-dense-{date}.json')

    def write(results):
        doc = dict(suite='fp8-dense', gpu=gpu, driver=driver, cuda=torch.version.cuda, torch=torch.__version__,
                   commit=commit, date=date, ceilings=ceilings, results=results,
                   timing='device time: each batch queued behind a spin kernel (bench/common/gpu_timing.py)')
        with open(path, 'w') as f:
            json.dump(doc, f, indent=1)

    nk = [(2112, 7168), (24576, 1536), (32768, 512), (7168, 16384), (4096, 7168), (7168, 2048)]
    ms = [int(m) for m in os.environ.get('GK_MS', '1,16,64,128,4096,8192').split(',')]
    results = []
    shapes = [(m, n, k) for (n, k) in nk for m in ms]
    if os.environ.get('GK_SHAPES'):
        shapes = [tuple(int(x) for x in t.split('x')) for t in os.environ['GK_SHAPES'].split(',')]
    for (M, N, K) in shapes:
        if True:
            torch.cuda.empty_cache()
            per_set = M * K + N * K
            nsets = max(1, min(8, cdiv(3 * L2, per_set)))
            sets = [make_set(M, N, K, 1000 + i) for i in range(nsets)]
            outs = [torch.full((M, N), float('nan'), device=dev, dtype=torch.bfloat16) for _ in sets]
            cfg = choose(M, N, K)
            run_ours(cfg, sets[0]['a'], sets[0]['b'], sets[0]['sfa_mn'], sets[0]['sfb'], outs[0], M, N, K)
            torch.cuda.synchronize()
            nan_count = int(torch.isnan(outs[0].float()).sum())
            rows = torch.unique(torch.cat([torch.tensor([0, M - 1]), torch.randint(0, M, (62,))])).to(dev)
            ref = reference_rows(sets[0], rows, N, K)
            diff = calc_diff(outs[0][rows].float(), ref)
            # rerun: bitwise identical
            first = outs[0].clone()
            run_ours(cfg, sets[0]['a'], sets[0]['b'], sets[0]['sfa_mn'], sets[0]['sfb'], outs[0], M, N, K)
            torch.cuda.synchronize()
            bitwise = bool(torch.equal(first.view(torch.int16), outs[0].view(torch.int16)))
            ok = nan_count == 0 and diff < 1e-5 and bitwise

            def mk(cfg_, i):
                st, o = sets[i], outs[i]
                return lambda: run_ours(cfg_, st['a'], st['b'], st['sfa_mn'], st['sfb'], o, M, N, K)

            ours_us = timeit([mk(cfg, i) for i in range(nsets)])
            # offline tuning table: every candidate config
            tune = {}
            tune_bad = {}  # candidates whose result is wrong (diff, NaN)
            for tag in (TAGS if os.environ.get('GK_TUNE', '1') != '0' else []):  # GK_TUNE=0: no tuning table
                bm, bn, cl = int(tag.split('_')[0][2:]), int(tag.split('_')[1][2:]), int(tag.split('_')[2][1:])
                variant = tag.split('_', 3)[3] if tag.count('_') >= 3 else ''
                if M > 64 and bm == 64:
                    continue
                tiles = cdiv(M, bm) * cdiv(N, bn)
                for split in ((1, 2, 4) if (tiles < NUM_SMS and cl == 1) else (1,)):
                    if split > max(1, cdiv(K, 128) // 4):
                        continue
                    key = f'{bm}x{bn}c{cl}{variant}/s{split}'
                    try:
                        # every candidate is checked too (not only the chosen config)
                        chk = torch.full((M, N), float('nan'), device=dev, dtype=torch.bfloat16)
                        run_ours((bm, bn, split, cl, variant), sets[0]['a'], sets[0]['b'], sets[0]['sfa_mn'],
                                 sets[0]['sfb'], chk, M, N, K)
                        torch.cuda.synchronize()
                        cdiff = calc_diff(chk[rows].float(), ref)
                        if not (cdiff < 1e-5 and int(torch.isnan(chk.float()).sum()) == 0):
                            tune_bad[key] = cdiff
                        del chk
                        tune[key] = round(timeit([mk((bm, bn, split, cl, variant), i) for i in range(nsets)], batches=7), 2)
                    except Exception as ex:
                        tune[key] = str(ex)[:80]
            # peers
            peer = None
            vname, pf = peer_blockwise(sets[0], M, N, K)
            pdiff = None
            if pf is not None:
                try:
                    po = pf()
                    torch.cuda.synchronize()
                    pdiff = calc_diff(po[rows].float(), ref)
                    if not pdiff < 1e-3:
                        raise RuntimeError(f'peer result wrong (diff {pdiff})')
                    pfs = []
                    for st in sets:
                        _, fi = peer_blockwise(st, M, N, K)
                        pfs.append(fi)
                    peer_us = timeit(pfs)
                    peer = dict(name='torch._scaled_mm blockwise 1x128/128x128 (cuBLASLt)', median_us=round(peer_us, 2),
                                tflops=round(2 * M * N * K / peer_us / 1e6, 1), diff=pdiff, scaleLayout=vname)
                except Exception as ex:
                    peer = dict(name='torch._scaled_mm blockwise 1x128/128x128 (cuBLASLt)', error=str(ex)[:200])
            ctx = {}
            try:
                one = torch.tensor(1.0, device=dev)
                st = sets[0]
                ctx['fp8PerTensor_us'] = round(timeit([lambda st=st: torch._scaled_mm(st['a'], st['b'].t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16) for st in sets]), 2)
            except Exception as ex:
                ctx['fp8PerTensor_error'] = str(ex)[:160]
            ab = [s['a'].to(torch.bfloat16) for s in sets[:2]]
            bb = [s['b'].to(torch.bfloat16) for s in sets[:2]]
            ctx['bf16Matmul_us'] = round(timeit([lambda i=i: ab[i] @ bb[i].t() for i in range(len(ab))]), 2)
            flops = 2 * M * N * K
            nbytes = M * K + N * K + 2 * M * N + 4 * (M * cdiv(K, 128) + cdiv(N, 128) * cdiv(K, 128))
            row = dict(op='gemmFp8NtGroupwise', backend='cuda', layout='dense', kernel='sm90 wgmma',
                       config=dict(blockM=cfg[0], blockN=cfg[1], splitK=cfg[2], cluster=cfg[3]),
                       shape=dict(M=M, N=N, K=K, G=1), median_us=round(ours_us, 2),
                       tflops=round(flops / ours_us / 1e6, 1), gbps=round(nbytes / ours_us / 1e3, 1),
                       bwFraction=round(nbytes / ours_us / 1e3 / hbm, 3), peer=peer,
                       ratio=round(peer['median_us'] / ours_us, 3) if peer and 'median_us' in peer else None,
                       diff=diff, pass_=ok, nanCount=nan_count, bitwiseRerun=bitwise, context=ctx, tuning=tune,
                       tuningWrong=tune_bad)
            row['pass'] = row.pop('pass_')
            results.append(row)
            write(results)  # after every shape: a run cut short still leaves its rows
            print(f"M={M:5d} N={N:5d} K={K:5d} cfg={cfg} ours={ours_us:9.2f}us {row['tflops']:7.1f}TF "
                  f"bw={row['bwFraction']:.2f} peer={peer.get('median_us') if peer else None} ratio={row['ratio']} "
                  f"diff={diff:.1e} pass={ok}", flush=True)
            del sets, outs, ab, bb
    write(results)
    print('wrote', path)
    print(f"\n{'M':>5} {'N':>6} {'K':>6} {'us':>9} {'TFLOPS':>7} {'bw%':>5} {'peer us':>9} {'ratio':>6} pass")
    for r in results:
        s = r['shape']
        print(f"{s['M']:5d} {s['N']:6d} {s['K']:6d} {r['median_us']:9.2f} {r['tflops']:7.1f} {100*r['bwFraction']:5.1f} "
              f"{(r['peer'] or {}).get('median_us', '-')!s:>9} {r['ratio']!s:>6} {r['pass']}")


if __name__ == '__main__':
    main()
