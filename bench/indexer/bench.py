"""Lightning indexer benchmark: gemmkit's sm90 kernel (fp8PagedMqaLogits decode, fp8MqaLogits prefill) vs a
PyTorch implementation of the same math (gather pages + bf16 matmul + relu/scale/weight/sum), same data, same GPU.

Run on the GPU host through bench/indexer/run.sh (it builds the launcher library first). Writes
$OUT/<gpu>-indexer-<date>.json (format of shared/design/BENCH_RESULTS.md), rewritten after every case so a run
cut short still leaves its rows, and prints a table last.
"""
import ctypes, sys, datetime, json, math, os, statistics, subprocess, time
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from gpu_timing import timeit  # noqa: E402  (device time per call; see its docstring)

T0 = time.time()
BUDGET_S = float(os.environ.get('GK_BUDGET_S', '175'))  # stop starting new cases after this many seconds
dev = torch.device('cuda')
props = torch.cuda.get_device_properties(0)
NUM_SMS = props.multi_processor_count
LIB = ctypes.CDLL(os.environ.get('GK_IDX_LIB', '/tmp/gk_indexer_sm90.so'))
D = 128
NINF = float('-inf')
VP, I, LL = ctypes.c_void_p, ctypes.c_int, ctypes.c_longlong


def fn(tag, mode):
    f = getattr(LIB, 'gk_' + tag)
    f.restype = I
    if mode == 0:  # q kv w ctx cs0 cs1 two_d table trs maxb nblk meta grid batch maxctx out ors clean status stream
        f.argtypes = [VP, VP, VP, VP, LL, LL, I, VP, LL, I, I, VP, I, I, I, VP, LL, I, VP, VP]
    else:  # q k ks w start end S SKv out ors clean status grid stream
        f.argtypes = [VP, VP, VP, VP, VP, VP, I, I, VP, LL, I, VP, I, VP]
    return f


def stream():
    return torch.cuda.current_stream().cuda_stream


def cdiv(a, b):
    return (a + b - 1) // b


def calc_diff(x, y):
    x, y = x.double(), y.double()
    denom = (x * x + y * y).sum()
    return 0.0 if denom == 0 else float(1 - 2 * (x * y).sum() / denom)


def schedule(lengths, split_kv, num_sms):
    """getPagedMqaLogitsMetadata (the contract's rule, packages/core/src/ops/grouped/mqa-schedule.ts)."""
    splits = [cdiv(max(0, l), split_kv) for l in lengths]
    total = sum(splits)
    q, r = divmod(total, num_sms)
    meta, b, before = [], 0, 0
    for i in range(num_sms + 1):
        g = i * q + min(i, r)
        while b < len(splits) and before + splits[b] <= g:
            before += splits[b]
            b += 1
        meta += [b, g - before if b < len(splits) else 0]
    return torch.tensor(meta, dtype=torch.int32, device=dev).view(num_sms + 1, 2)


def fp8(shape, g, scale=1.0):
    return (torch.randn(*shape, device=dev, generator=g) * scale).to(torch.float8_e4m3fn)


# ------------------------------------------------------------------------------------------------ decode
def make_paged(B, T, H, avg, bkv, seed, two_d=False, neg_scales=False):
    g = torch.Generator(device=dev).manual_seed(seed)
    lens = torch.randint(avg // 2, avg * 3 // 2 + 1, (B,), device=dev, generator=g)
    lens_l = lens.tolist()
    max_ctx = cdiv(max(lens_l), 256) * 256
    max_blocks = cdiv(max_ctx, bkv)
    pages = [cdiv(l, bkv) for l in lens_l]
    nblk = sum(pages) + 7
    perm = torch.randperm(nblk, device=dev, generator=g).to(torch.int32)
    table = torch.full((B, max_blocks), 0x7fffffff, dtype=torch.int32, device=dev)  # unused entries: garbage
    off = 0
    for b, p in enumerate(pages):
        table[b, :p] = perm[off:off + p]
        off += p
    keys = fp8((nblk, bkv, D), g)
    scales = torch.exp2(torch.rand(nblk, bkv, device=dev, generator=g) * 4 - 2)
    if neg_scales:  # exercise relu(scale * dot) with scale < 0 (the kernel's general epilogue)
        scales = scales * (torch.rand(nblk, bkv, device=dev, generator=g) < 0.2).float().mul(-2).add(1)
    cache = torch.empty(nblk, bkv * (D + 4), dtype=torch.uint8, device=dev)
    cache[:, :bkv * D] = keys.view(torch.uint8).view(nblk, bkv * D)
    cache[:, bkv * D:] = scales.view(torch.uint8).view(nblk, bkv * 4)
    q = fp8((B, T, H, D), g)
    w = torch.randn(B * T, H, device=dev, generator=g)
    if two_d:  # per-token lengths, draft t sees lens - T + t + 1 (same as 1-D), stored as [B, T]
        ctx = torch.stack([lens - T + t + 1 for t in range(T)], 1).to(torch.int32).contiguous()
    else:
        ctx = lens.to(torch.int32)
    return dict(B=B, T=T, H=H, bkv=bkv, lens=lens_l, max_ctx=max_ctx, max_blocks=max_blocks, nblk=nblk, table=table,
                keys=keys, scales=scales, cache=cache, q=q, w=w, ctx=ctx, two_d=two_d,
                meta=schedule(lens_l, 4 * bkv, NUM_SMS))


def counts(st, b):
    L, T = st['lens'][b], st['T']
    return [max(0, L - T + t + 1) for t in range(T)]


def run_paged(f, st, out, clean, status):
    ctx = st['ctx']
    cs1 = ctx.stride(1) if st['two_d'] else 0
    r = f(st['q'].data_ptr(), st['cache'].data_ptr(), st['w'].data_ptr(), ctx.data_ptr(), ctx.stride(0), cs1,
          1 if st['two_d'] else 0, st['table'].data_ptr(), st['table'].stride(0), st['max_blocks'], st['nblk'],
          st['meta'].data_ptr(), NUM_SMS, st['B'], st['max_ctx'], out.data_ptr(), out.stride(0), 1 if clean else 0,
          status.data_ptr(), stream())
    if r != 0:
        raise RuntimeError(f'launch failed: {r}')


def ref_paged_row(st, b):
    """float64 reference logits of sequence b's T rows over its visible positions."""
    T, H, bkv, L = st['T'], st['H'], st['bkv'], st['lens'][b]
    p = st['table'][b, :cdiv(L, bkv)].long()
    k = st['keys'].view(torch.uint8)[p].view(torch.float8_e4m3fn).float().double().reshape(-1, D)[:L]
    s = st['scales'][p].double().reshape(-1)[:L]
    q = st['q'][b].float().double()  # [T, H, D]
    lg = torch.einsum('thd,jd->thj', q, k) * s  # [T, H, L]
    w = st['w'][b * T:(b + 1) * T].double()
    return (lg.relu() * w[:, :, None]).sum(1)  # [T, L]


def peer_paged(st):
    """PyTorch: gather every sequence's pages (padded to maxContextLen), bf16 batched matmul, scale, relu,
    head weights, sum over heads, -inf outside the visible range."""
    B, T, H, bkv, mb = st['B'], st['T'], st['H'], st['bkv'], st['max_blocks']
    pos = torch.arange(st['max_ctx'], device=dev)
    vis = torch.stack([torch.tensor(counts(st, b), device=dev) for b in range(B)])  # [B, T]
    mask = pos[None, None, :] < vis[:, :, None]
    table = st['table'].clamp(0, st['nblk'] - 1).long()
    flat = st['cache']
    q = st['q'].to(torch.bfloat16).view(B, T * H, D)
    w = st['w'].view(B, T, H, 1)

    def f():
        pg = flat[table]  # [B, mb, bkv*(D+4)]
        k = pg[:, :, :bkv * D].contiguous().view(torch.float8_e4m3fn).view(B, mb * bkv, D).to(torch.bfloat16)
        s = pg[:, :, bkv * D:].contiguous().view(torch.float32).view(B, 1, mb * bkv)
        lg = torch.bmm(q, k.transpose(1, 2)).float().mul_(s).relu_().view(B, T, H, -1)
        out = (lg * w).sum(2)
        return torch.where(mask, out, NINF)

    return f


def paged_case(tag, f, B, T, H, avg, bkv, seed, hbm, two_d=False, timed=True, peer=True, neg_scales=False):
    torch.cuda.empty_cache()
    st = make_paged(B, T, H, avg, bkv, seed, two_d, neg_scales)
    rows, mc = B * T, st['max_ctx']
    status = torch.zeros(1, dtype=torch.int32, device=dev)
    out = torch.full((rows, mc), float('nan'), device=dev)
    run_paged(f, st, out, True, status)
    torch.cuda.synchronize()
    nan_count = int(torch.isnan(out).sum())
    check = sorted(set([0, B - 1] + torch.randint(0, B, (4,)).tolist()))
    diffs, inf_ok = [], True
    for b in check:
        ref = ref_paged_row(st, b)
        for t, c in enumerate(counts(st, b)):
            row = out[b * T + t]
            diffs.append(calc_diff(row[:c], ref[t, :c]))
            inf_ok &= bool(torch.all(row[c:] == NINF))
    diff = max(diffs)
    first = out.clone()
    run_paged(f, st, out, True, status)
    torch.cuda.synchronize()
    bitwise = bool(torch.equal(first.view(torch.int32), out.view(torch.int32)))
    # cleanLogits = False: invisible positions keep the NaN poison, visible ones equal the clean run's
    out2 = torch.full((rows, mc), float('nan'), device=dev)
    run_paged(f, st, out2, False, status)
    torch.cuda.synchronize()
    vis = torch.isfinite(first)
    untouched = bool(torch.equal(torch.isnan(out2), ~vis)) and bool(torch.equal(out2[vis], first[vis]))
    st_word = int(status.item())
    ok = nan_count == 0 and diff < 1e-5 and inf_ok and bitwise and untouched and st_word == 0
    row = dict(op='fp8PagedMqaLogits', backend='cuda', kernel='sm90 wgmma', instance=tag,
               shape=dict(B=B, nextN=T, H=H, D=D, blockKv=bkv, avgContext=avg, maxContextLen=mc,
                          contextLens='2-D' if two_d else '1-D'),
               diff=diff, nanCount=nan_count, cleanInfExact=inf_ok, bitwiseRerun=bitwise,
               uncleanUntouched=untouched, status=st_word, pass_=ok)
    row['pass'] = row.pop('pass_')
    if timed:
        nbytes = sum(st['lens']) * (D + 4) + B * T * H * (D + 4) + rows * mc * 4 + B * st['max_blocks'] * 4
        us = timeit([lambda: run_paged(f, st, out, True, status)])
        row.update(median_us=round(us, 2), gbps=round(nbytes / us / 1e3, 1), bwFraction=round(nbytes / us / 1e3 / hbm, 3),
                   bytes=nbytes)
        if peer:
            try:
                pf = peer_paged(st)
                po = pf()
                torch.cuda.synchronize()
                pd = max(calc_diff(po[b, t, :c], ref_paged_row(st, b)[t, :c])
                         for b in check[:2] for t, c in enumerate(counts(st, b)))
                pus = timeit([pf], batches=5)
                row['peer'] = dict(name='torch gather + bf16 bmm + relu/weights (same math)', median_us=round(pus, 2),
                                   diff=pd)
                row['ratio'] = round(pus / us, 2)
                del po
            except Exception as ex:  # noqa: BLE001 - record and keep going
                row['peer'] = dict(name='torch gather + bf16 bmm', error=str(ex)[:200])
    return row


# ------------------------------------------------------------------------------------------------ prefill
def make_prefill(S, SKv, H, seed):
    g = torch.Generator(device=dev).manual_seed(seed)
    q = fp8((S, H, D), g)
    k = fp8((SKv, D), g)
    ks = torch.exp2(torch.rand(SKv, device=dev, generator=g) * 4 - 2)
    w = torch.randn(S, H, device=dev, generator=g)
    # the S queries are the last S tokens of a SKv-token sequence (causal): row i sees [0, SKv - S + i + 1)
    start = torch.zeros(S, dtype=torch.int32, device=dev)
    end = (torch.arange(S, device=dev) + (SKv - S + 1)).to(torch.int32)
    return dict(S=S, SKv=SKv, H=H, q=q, k=k, ks=ks, w=w, start=start, end=end)


def run_prefill(f, st, out, clean, status):
    r = f(st['q'].data_ptr(), st['k'].data_ptr(), st['ks'].data_ptr(), st['w'].data_ptr(), st['start'].data_ptr(),
          st['end'].data_ptr(), st['S'], st['SKv'], out.data_ptr(), out.stride(0), 1 if clean else 0, status.data_ptr(),
          NUM_SMS, stream())
    if r != 0:
        raise RuntimeError(f'launch failed: {r}')


def peer_prefill(st, chunk=512):
    S, SKv, H = st['S'], st['SKv'], st['H']
    k = st['k']
    pos = torch.arange(SKv, device=dev)

    def f():
        kb = k.to(torch.bfloat16)
        out = torch.empty(S, SKv, device=dev)
        for r0 in range(0, S, chunk):
            r1 = min(S, r0 + chunk)
            q = st['q'][r0:r1].to(torch.bfloat16).view(-1, D)
            lg = (q @ kb.t()).float().mul_(st['ks']).relu_().view(r1 - r0, H, SKv)
            o = torch.einsum('rhj,rh->rj', lg, st['w'][r0:r1])
            m = (pos[None] >= st['start'][r0:r1, None]) & (pos[None] < st['end'][r0:r1, None])
            out[r0:r1] = torch.where(m, o, NINF)
        return out

    return f


def prefill_case(tag, f, S, SKv, H, seed, hbm, fp8_peak, peer=True):
    torch.cuda.empty_cache()
    st = make_prefill(S, SKv, H, seed)
    status = torch.zeros(1, dtype=torch.int32, device=dev)
    out = torch.full((S, SKv), float('nan'), device=dev)
    run_prefill(f, st, out, True, status)
    torch.cuda.synchronize()
    nan_count = int(torch.isnan(out).sum())
    rows = sorted(set([0, S - 1] + torch.randint(0, S, (14,)).tolist()))
    ri = torch.tensor(rows, device=dev)
    qr = st['q'].view(torch.uint8)[ri].view(torch.float8_e4m3fn).float().double()
    lg = torch.einsum('rhd,jd->rhj', qr, st['k'].float().double()) * st['ks'].double()
    ref = (lg.relu() * st['w'][ri].double()[:, :, None]).sum(1)
    diffs, inf_ok = [], True
    for n, i in enumerate(rows):
        a, z = int(st['start'][i]), int(st['end'][i])
        diffs.append(calc_diff(out[i, a:z], ref[n, a:z]))
        inf_ok &= bool(torch.all(out[i, :a] == NINF)) and bool(torch.all(out[i, z:] == NINF))
    diff = max(diffs)
    first = out.clone()
    run_prefill(f, st, out, True, status)
    torch.cuda.synchronize()
    bitwise = bool(torch.equal(first.view(torch.int32), out.view(torch.int32)))
    st_word = int(status.item())
    ok = nan_count == 0 and diff < 1e-5 and inf_ok and bitwise and st_word == 0
    visible = int((st['end'] - st['start']).sum())
    flops = 2 * visible * H * D
    nbytes = S * H * (D + 4) + SKv * (D + 4) + 8 * S + 4 * S * SKv
    us = timeit([lambda: run_prefill(f, st, out, True, status)])
    row = dict(op='fp8MqaLogits', backend='cuda', kernel='sm90 wgmma', instance=tag,
               shape=dict(S=S, SKv=SKv, H=H, D=D, visible=visible), median_us=round(us, 2),
               tflops=round(flops / us / 1e6, 1), fp8PeakFraction=round(flops / us / 1e6 / fp8_peak, 3),
               gbps=round(nbytes / us / 1e3, 1), bwFraction=round(nbytes / us / 1e3 / hbm, 3),
               diff=diff, nanCount=nan_count, cleanInfExact=inf_ok, bitwiseRerun=bitwise, status=st_word, pass_=ok)
    row['pass'] = row.pop('pass_')
    del first
    if peer:
        try:
            pf = peer_prefill(st)
            po = pf()
            torch.cuda.synchronize()
            pd = max(calc_diff(po[i, int(st['start'][i]):int(st['end'][i])], ref[n, int(st['start'][i]):int(st['end'][i])])
                     for n, i in enumerate(rows[:4]))
            del po
            pus = timeit([pf], min_batch_us=1, batches=3)
            row['peer'] = dict(name='torch bf16 matmul (512-row chunks) + relu/weights (same math)',
                               median_us=round(pus, 2), tflops=round(flops / pus / 1e6, 1), diff=pd)
            row['ratio'] = round(pus / us, 2)
        except Exception as ex:  # noqa: BLE001
            row['peer'] = dict(name='torch bf16 matmul', error=str(ex)[:200])
    return row


def bad_data_case(f):
    """A page id outside the cache and a context length past the table: no fault, status bits 5 and 4."""
    st = make_paged(4, 1, 64, 512, 64, 7)
    st['table'][1, 2] = st['nblk'] + 5
    st['ctx'][2] = st['max_blocks'] * 64 + 100
    status = torch.zeros(1, dtype=torch.int32, device=dev)
    out = torch.full((4, st['max_ctx']), float('nan'), device=dev)
    run_paged(f, st, out, True, status)
    torch.cuda.synchronize()
    word = int(status.item())
    ok = (word & (1 << 5)) != 0 and (word & (1 << 4)) != 0
    row = dict(op='fp8PagedMqaLogits', backend='cuda', case='bad block id + context length past the table',
               status=word, nanCount=int(torch.isnan(out).sum()), pass_=ok)
    row['pass'] = row.pop('pass_')
    return row


def main():
    out_dir = os.environ.get('OUT', '/tmp')
    gpu = torch.cuda.get_device_name(0)
    short = 'h200' if 'H200' in gpu else ('h100' if 'H100' in gpu else gpu.replace(' ', '-').lower())
    date = datetime.date.today().isoformat()
    driver = subprocess.run(['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader'],
                            capture_output=True, text=True).stdout.strip()
    x = torch.empty(1 << 30, dtype=torch.uint8, device=dev)
    y = torch.empty_like(x)
    hbm = 2 * x.numel() / timeit([lambda: y.copy_(x)], batches=10) / 1e3
    del x, y
    s8 = 8192
    a8 = torch.randn(s8, s8, device=dev).to(torch.float8_e4m3fn)
    b8 = torch.randn(s8, s8, device=dev).to(torch.float8_e4m3fn)
    one = torch.tensor(1.0, device=dev)
    fp8_peak = 2 * s8 ** 3 / timeit([lambda: torch._scaled_mm(a8, b8.t(), scale_a=one, scale_b=one,
                                                              out_dtype=torch.bfloat16)]) / 1e6
    del a8, b8
    ceilings = dict(hbmGBps=round(hbm, 1), fp8TFLOPS=round(fp8_peak, 1))
    print('ceilings', ceilings, flush=True)
    doc = dict(suite='indexer', gpu=gpu, driver=driver, cuda=torch.version.cuda, torch=torch.__version__,
               commit=os.environ.get('GIT_COMMIT', 'unknown'), date=date, ceilings=ceilings, results=[])
    path = os.path.join(out_dir, f'{short}-indexer-{date}.json')

    def record(row):
        doc['results'].append(row)
        with open(path, 'w') as fh:
            json.dump(doc, fh, indent=1)
        print(json.dumps({k: v for k, v in row.items() if k != 'shape'}), row.get('shape'), flush=True)

    def guarded(name, thunk):
        if time.time() - T0 > BUDGET_S:
            print('skipped (time budget):', name, flush=True)
            return
        print(f'[{time.time() - T0:6.1f}s] start {name}', flush=True)
        try:
            record(thunk())
        except Exception as ex:  # noqa: BLE001 - one bad case must not lose the others
            record(dict(case=name, error=str(ex)[:300], **{'pass': False}))

    # correctness-only variants: 2-D context lengths, 32-token pages, bad index data
    guarded('2-D lens', lambda: paged_case('p_h64_n2_b64', fn('p_h64_n2_b64', 0), 8, 2, 64, 2048, 64, 11, hbm,
                                           two_d=True, timed=False, neg_scales=True))
    guarded('blockKv 32', lambda: paged_case('p_h64_n1_b32', fn('p_h64_n1_b32', 0), 8, 1, 64, 2048, 32, 12, hbm,
                                             timed=False))
    guarded('bad data', lambda: bad_data_case(fn('p_h64_n1_b64', 0)))
    def decode(avg):
        for B in (64, 256):
            for H in (64, 32):
                for T in (1, 2):
                    tag = f'p_h{H}_n{T}_b64'
                    guarded(f'decode B{B} T{T} H{H} ctx{avg}',
                            lambda: paged_case(tag, fn(tag, 0), B, T, H, avg, 64, 100 + B + T + H, hbm,
                                               peer=(time.time() - T0 < BUDGET_S * 0.6)))

    decode(8192)
    for S in (2048, 8192):
        for SKv in (8192, 32768):
            guarded(f'prefill S{S} SKv{SKv}',
                    lambda: prefill_case('f_h64', fn('f_h64', 1), S, SKv, 64, 200 + S, hbm, fp8_peak,
                                         peer=(time.time() - T0 < BUDGET_S * 0.5)))
    decode(32768)
    print('wrote', path)
    print(f"\nceilings: HBM copy {hbm:.0f} GB/s, FP8 _scaled_mm 8192^3 {fp8_peak:.0f} TFLOP/s")
    print(f"{'case':<44} {'us':>9} {'GB/s':>7} {'bw%':>5} {'TF':>7} {'pk%':>5} {'peer us':>10} {'ratio':>6} {'diff':>8} pass")
    for r in doc['results']:
        s = r.get('shape', {})
        if r.get('op') == 'fp8PagedMqaLogits' and 'B' in s:
            name = f"decode B{s['B']} T{s['nextN']} H{s['H']} ctx{s['avgContext']} bkv{s['blockKv']} {s['contextLens']}"
        elif r.get('op') == 'fp8MqaLogits':
            name = f"prefill S{s['S']} SKv{s['SKv']} H{s['H']}"
        else:
            name = r.get('case', '?')
        bw = r.get('bwFraction')
        pk = r.get('fp8PeakFraction')
        print(f"{name:<44} {r.get('median_us', '-')!s:>9} {r.get('gbps', '-')!s:>7} "
              f"{(f'{100 * bw:.1f}' if bw is not None else '-'):>5} {r.get('tflops', '-')!s:>7} "
              f"{(f'{100 * pk:.1f}' if pk is not None else '-'):>5} {(r.get('peer') or {}).get('median_us', '-')!s:>10} "
              f"{r.get('ratio', '-')!s:>6} {r.get('diff', float('nan')):8.1e} {r.get('pass')}")


if __name__ == '__main__':
    main()
