"""Grouped MoE FP8 GEMM benchmark: gemmkit's sm90 grouped kernels (contiguous / masked) vs torch peers, same data,
same GPU, same run.

Run on the GPU host through bench/moe-grouped/run.sh (it builds the launcher library first).
Writes $OUT/<gpu>-moe-grouped-<date>.json (shared/design/BENCH_RESULTS.md format; rewritten after every shape, so a
run cut short keeps what it measured) and prints a table last.

Every result (ours and every peer) is checked against a float32 dequantized reference on sampled rows; outputs are
NaN-poisoned first; ours must also leave padding / masked rows untouched (still NaN), rerun bitwise-identically and
raise no status flag. Scale-layout transforms (done once per call by the TS launcher) are prepared outside the timing
here, as in bench/fp8-dense; the contiguous block-list kernel is inside the timing.
"""
import ctypes, datetime, json, math, os, random, statistics, subprocess, sys, time, traceback
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'common'))
from gpu_timing import timeit  # noqa: E402  (device time per call; see its docstring)

T0 = float(os.environ.get('GK_T0', time.time()))
BUDGET_S = float(os.environ.get('GK_BUDGET_S', '200'))  # stop starting new shapes after this (the caller's limit)
dev = torch.device('cuda')
props = torch.cuda.get_device_properties(0)
NUM_SMS = props.multi_processor_count
L2 = getattr(props, 'L2_cache_size', 50 << 20)
LIB = ctypes.CDLL(os.environ.get('GK_GROUPED_LIB', '/tmp/gk_grouped_sm90.so'))
# tag -> (mode, blockM, blockN)
TAGS = {'c_bm128_bn128': (1, 128, 128), 'c_bm128_bn192': (1, 128, 192),
        'm_bm128_bn128': (2, 128, 128), 'm_bm64_bn128': (2, 64, 128)}
P = ctypes.c_void_p
FNS = {}
for t in TAGS:
    f = getattr(LIB, 'gk_' + t)
    f.restype = ctypes.c_int
    f.argtypes = [P] * 9 + [ctypes.c_int] * 5 + [ctypes.c_long] * 2 + [ctypes.c_int, P]
    FNS[t] = f
LIB.gk_block_list.restype = ctypes.c_int
LIB.gk_block_list.argtypes = [P] + [ctypes.c_int] * 5 + [P, P, P]
HAS_GATHER = hasattr(LIB, 'gk_scale_gather')
if HAS_GATHER:
    LIB.gk_scale_gather.restype = ctypes.c_int
    LIB.gk_scale_gather.argtypes = [P, P] + [ctypes.c_int] * 5 + [ctypes.c_long] * 5 + [P]
STATUS = torch.zeros(4, dtype=torch.int32, device=dev)
BAD_EXPERT_ID, BAD_COUNT, BAD_OFFSET, MISALIGNED = 1, 2, 4, 256


def cdiv(a, b):
    return (a + b - 1) // b


def stream():
    return torch.cuda.current_stream().cuda_stream


def check(r, what):
    if r != 0:
        raise RuntimeError(f'{what} failed: {r}')


def calc_diff(x, y):
    x, y = x.double(), y.double()
    denom = (x * x + y * y).sum()
    if denom == 0:
        return 0.0
    return float(1 - 2 * (x * y).sum() / denom)


# ------------------------------------------------------------------------------------------------ data
def fp8(shape, g):
    return (torch.randn(*shape, device=dev, generator=g) * 2).to(torch.float8_e4m3fn)


def scales(shape, g):
    return torch.exp2(torch.rand(*shape, device=dev, generator=g) * 4 - 6)


def common_b(E, N, K, g):
    b = fp8((E, N, K), g)
    sfb = scales((E, cdiv(N, 128), cdiv(K, 128)), g)
    return b, sfb


def sfa_mn(sfa2d):
    rows, kb = sfa2d.shape
    out = torch.zeros(kb, cdiv(rows, 4) * 4, device=dev)
    out[:, :rows] = sfa2d.t()
    return out.contiguous()


def make_contig(sizes, N, K, seed, align=128):
    """Rows grouped by expert, each group padded to `align` rows (m_indices -1 there; A padding rows hold NaN
    codes: they must not leak into stored rows)."""
    g = torch.Generator(device=dev).manual_seed(seed)
    E = len(sizes)
    padded = [cdiv(s, align) * align for s in sizes]
    starts = [sum(padded[:i]) for i in range(E)]
    M = sum(padded)
    a = fp8((M, K), g)
    ids = torch.full((M,), -1, dtype=torch.int32)
    for e, (s0, n) in enumerate(zip(starts, sizes)):
        ids[s0:s0 + n] = e
    ids = ids.to(dev)
    a.view(torch.uint8)[ids < 0] = 0x7F  # e4m3 NaN
    sfa = scales((M, cdiv(K, 128)), g)
    b, sfb = common_b(E, N, K, g)
    return dict(kind='contig', a=a, b=b, sfa=sfa, sfb=sfb, sfa_mn=sfa_mn(sfa), ids=ids, sizes=sizes, starts=starts,
                padded=padded, M=M, E=E, N=N, K=K,
                meta=torch.zeros(4 + 4 * cdiv(M, 64), dtype=torch.int32, device=dev))


def make_masked(E, maxM, masked, N, K, seed):
    g = torch.Generator(device=dev).manual_seed(seed)
    a = fp8((E, maxM, K), g)
    sfa = scales((E, maxM, cdiv(K, 128)), g)
    b, sfb = common_b(E, N, K, g)
    return dict(kind='masked', a=a, b=b, sfa=sfa, sfb=sfb, sfa_mn=sfa_mn(sfa.reshape(E * maxM, -1)),
                masked=masked, masked_d=torch.tensor(masked, dtype=torch.int32, device=dev), E=E, maxM=maxM, N=N, K=K)


# ------------------------------------------------------------------------------------------------ ours
def run_contig(st, out, tag='c_bm128_bn128', info=None, info_mode=0):
    mode, bm, bn = TAGS[tag]
    M, N, K, E = st['M'], st['N'], st['K'], st['E']
    info = st['ids'] if info is None else info
    check(LIB.gk_block_list(info.data_ptr(), info_mode, M, E, 128, bm, st['meta'].data_ptr(), STATUS.data_ptr(),
                            stream()), 'block list')
    grid = min(NUM_SMS, cdiv(M, bm) * cdiv(N, bn))
    check(FNS[tag](st['a'].data_ptr(), st['b'].data_ptr(), st['sfa_mn'].data_ptr(), st['sfb'].data_ptr(),
                   out.data_ptr(), info.data_ptr() if info_mode == 0 else None, st['meta'].data_ptr(), None,
                   STATUS.data_ptr(), M, M, N, K, E, N, 0, grid, stream()), tag)


def run_masked(st, out, tag='m_bm128_bn128', signal=None):
    mode, bm, bn = TAGS[tag]
    E, maxM, N, K = st['E'], st['maxM'], st['N'], st['K']
    grid = min(NUM_SMS, E * cdiv(maxM, bm) * cdiv(N, bn))
    check(FNS[tag](st['a'].data_ptr(), st['b'].data_ptr(), st['sfa_mn'].data_ptr(), st['sfb'].data_ptr(),
                   out.data_ptr(), st['masked_d'].data_ptr(), None,
                   signal.data_ptr() if signal is not None else None, STATUS.data_ptr(), E * maxM, maxM, N, K, E, N,
                   maxM * N, grid, stream()), tag)


def status_word():
    torch.cuda.synchronize()
    w = int(STATUS[0].item())
    STATUS.zero_()
    return w


# ------------------------------------------------------------------------------------------------ references
def deq_b(st, e):
    N, K = st['N'], st['K']
    return st['b'][e].float() * st['sfb'][e].repeat_interleave(128, 0)[:N].repeat_interleave(128, 1)[:, :K]


def deq_a_rows(a_rows, sfa_rows, K):
    return a_rows.float() * sfa_rows.repeat_interleave(128, 1)[:, :K]


def sample_rows(st, per_group=12):
    """(expert, row within the A view, row within the expert) samples: first/last rows of each group + random."""
    rng = random.Random(7)
    out = []
    if st['kind'] == 'contig':
        for e, (s0, n) in enumerate(zip(st['starts'], st['sizes'])):
            if n == 0:
                continue
            rows = {0, n - 1} | {rng.randrange(n) for _ in range(per_group)}
            out += [(e, s0 + r, r) for r in sorted(rows)]
    else:
        for e, n in enumerate(st['masked']):
            if n == 0:
                continue
            rows = {0, n - 1} | {rng.randrange(n) for _ in range(per_group)}
            out += [(e, e * st['maxM'] + r, r) for r in sorted(rows)]
    return out


def reference(st, samples, kind='block'):
    """f32 reference of the sampled rows: kind 'block' (1x128 / 128x128 scales), 'row' (rowwise scales of the
    peers: sfa[:, 0] and sfb[:, :, 0] per channel) or 'none' (unscaled, the BF16 peer)."""
    K, N = st['K'], st['N']
    a2 = st['a'].reshape(-1, K)
    sfa2 = st['sfa'].reshape(a2.shape[0], -1)
    res = {}
    for e in sorted({s[0] for s in samples}):
        rows = torch.tensor([s[1] for s in samples if s[0] == e], device=dev)
        if kind == 'block':
            r = deq_a_rows(a2[rows], sfa2[rows], K) @ deq_b(st, e).t()
        elif kind == 'row':
            bw = st['b'][e].float() * row_b_scale(st)[e][:, None]
            r = (a2[rows].float() * sfa2[rows, :1]) @ bw.t()
        else:
            r = a2[rows].float() @ st['b'][e].float().t()
        res[e] = r
    return torch.cat([res[e] for e in sorted(res)])


def row_b_scale(st):
    return st['sfb'][:, :, 0].repeat_interleave(128, 1)[:, :st['N']].contiguous()


def gather_rows(out2d, samples):
    idx = torch.tensor([s[1] for s in sorted(samples, key=lambda s: (s[0], s[1]))], device=dev)
    return out2d[idx].float()


# ------------------------------------------------------------------------------------------------ peers
SGMM_FORM = {}


def peer_scaled_grouped(st):
    """torch._scaled_grouped_mm, rowwise FP8 (scale per token row and per weight channel). The scale shapes it
    accepts changed between releases: try the candidates once per layout and keep the first that runs."""
    a, b = st['a'], st['b']
    bt = b.transpose(-2, -1)
    sb = row_b_scale(st)
    if st['kind'] == 'contig':
        sa = st['sfa'][:, 0].contiguous()
        offs = torch.tensor([s + p for s, p in zip(st['starts'], st['padded'])], dtype=torch.int32, device=dev)
        cands = [('scale_a [M], scale_b [E,N], offs int32 ends', sa, sb),
                 ('scale_a [M], scale_b [E*N], offs int32 ends', sa, sb.reshape(-1))]
        kw = dict(offs=offs)
        layout = 'contig'
    else:
        sa = st['sfa'][:, :, 0].contiguous()
        cands = [('3d x 3d, scale_a [E,maxM], scale_b [E,N] (all maxM rows computed)', sa, sb),
                 ('3d x 3d, scale_a [E*maxM], scale_b [E*N] (all maxM rows computed)', sa.reshape(-1), sb.reshape(-1))]
        kw = {}
        layout = 'masked'
    errs = []
    order = [SGMM_FORM[layout]] if layout in SGMM_FORM else range(len(cands))
    for i in order:
        name, sa_, sb_ = cands[i]
        f = lambda sa_=sa_, sb_=sb_: torch._scaled_grouped_mm(a, bt, sa_, sb_, out_dtype=torch.bfloat16, **kw)
        try:
            f()
            SGMM_FORM[layout] = i
            return name, f
        except Exception as ex:
            errs.append(f'{name}: {str(ex)[:140]}')
    raise RuntimeError(' | '.join(errs))


def peer_grouped_bf16(st):
    a = st['a'].to(torch.bfloat16)
    bt = st['b'].to(torch.bfloat16).transpose(-2, -1)
    if st['kind'] == 'contig':
        offs = torch.tensor([s + p for s, p in zip(st['starts'], st['padded'])], dtype=torch.int32, device=dev)
        return 'bf16 a [M,K], b^T [E,K,N], offs', lambda: torch._grouped_mm(a, bt, offs=offs, out_dtype=torch.bfloat16)
    return 'bf16 a [E,maxM,K], b^T [E,K,N] (all maxM rows)', lambda: torch._grouped_mm(a, bt, out_dtype=torch.bfloat16)


def peer_loop_blockwise(st):
    """Per-group torch._scaled_mm with 1x128 / 128x128 scales (cuBLASLt); rows per group rounded up to 16."""
    K = st['K']
    a2 = st['a'].reshape(-1, K)
    sfa2 = st['sfa'].reshape(a2.shape[0], -1)
    jobs = []
    if st['kind'] == 'contig':
        for e, (s0, n) in enumerate(zip(st['starts'], st['padded'])):
            jobs.append((e, s0, n))
    else:
        for e, n in enumerate(st['masked']):
            if n > 0:
                jobs.append((e, e * st['maxM'], min(st['maxM'], cdiv(n, 16) * 16)))
    ops = []
    for e, s0, n in jobs:
        sa = sfa2[s0:s0 + n].t().contiguous().t()
        ops.append((s0, n, a2[s0:s0 + n], st['b'][e], sa, st['sfb'][e].t()))
    rows = a2.shape[0]

    def f():
        return [(s0, n, torch._scaled_mm(a, b.t(), scale_a=sa, scale_b=sb, out_dtype=torch.bfloat16))
                for s0, n, a, b, sa, sb in ops]
    f.rows = rows
    return 'loop of torch._scaled_mm, sa (Mg,K/128) stride (1,Mg), sb = sfb[e].t()', f


PEERS = [('torch._scaled_grouped_mm rowwise FP8', peer_scaled_grouped, 'row'),
         ('torch._grouped_mm BF16', peer_grouped_bf16, 'none'),
         ('loop torch._scaled_mm blockwise (cuBLASLt)', peer_loop_blockwise, 'block')]


# ------------------------------------------------------------------------------------------------ one shape
def bench_shape(desc, sets, flops, nbytes, hbm, results, doc, path):
    st = sets[0]
    contig = st['kind'] == 'contig'
    rows_total = st['M'] if contig else st['E'] * st['maxM']
    N = st['N']
    outs = [torch.full((rows_total, N), float('nan'), device=dev, dtype=torch.bfloat16) for _ in sets]
    tag = 'c_bm128_bn128' if contig else ('m_bm64_bn128' if max(st['masked']) <= 64 else 'm_bm128_bn128')
    run = (lambda s, o, t=tag: run_contig(s, o, t)) if contig else (lambda s, o, t=tag: run_masked(s, o, t))
    run(st, outs[0])
    torch.cuda.synchronize()
    flags = status_word()
    samples = sample_rows(st)
    ref = reference(st, samples, 'block')
    got = gather_rows(outs[0], samples)
    diff = calc_diff(got, ref)
    # every owned row written (no NaN), every other row untouched (still NaN)
    if contig:
        owned = st['ids'] >= 0
    else:
        owned = (torch.arange(st['maxM'], device=dev)[None, :] < st['masked_d'][:, None]).reshape(-1)
    nan_rows = torch.isnan(outs[0].float()).any(1)
    nan_count = int(nan_rows[owned].sum())
    untouched = bool(torch.isnan(outs[0][~owned].float()).all()) if bool((~owned).any()) else True
    first = outs[0].clone()
    run(st, outs[0])
    torch.cuda.synchronize()
    bitwise = bool(torch.equal(first.view(torch.int16), outs[0].view(torch.int16)))
    ok = nan_count == 0 and untouched and bitwise and flags == 0 and diff < 1e-5
    ours_us = timeit([lambda s=s, o=o: run(s, o) for s, o in zip(sets, outs)])
    tune = {tag: round(ours_us, 2)}
    for alt in ([t for t in TAGS if t.startswith('c_')] if contig else [t for t in TAGS if t.startswith('m_')]):
        if alt == tag:
            continue
        try:
            o2 = torch.full_like(outs[0], float('nan'))
            (run_contig if contig else run_masked)(st, o2, alt)
            torch.cuda.synchronize()
            d2 = calc_diff(gather_rows(o2, samples), ref)
            t2 = timeit([lambda s=s, o=o: (run_contig if contig else run_masked)(s, o, alt) for s, o in zip(sets, outs)],
                        batches=7)
            tune[alt] = round(t2, 2) if d2 < 1e-5 else f'wrong (diff {d2:.1e})'
        except Exception as ex:
            tune[alt] = str(ex)[:120]
    peers = []
    for name, mk, refkind in PEERS:
        try:
            layout, f = mk(st)
            po = f()
            torch.cuda.synchronize()
            if isinstance(po, list):  # per-group outputs: assemble (for checking only)
                full = torch.full((rows_total, N), float('nan'), device=dev, dtype=torch.bfloat16)
                for s0, n, t in po:
                    full[s0:s0 + n] = t
                po = full
            po2 = po.reshape(-1, N)
            pref = ref if refkind == 'block' else reference(st, samples, refkind)
            pdiff = calc_diff(gather_rows(po2, samples), pref)
            if not pdiff < (1e-5 if refkind != 'none' else 1e-4):
                raise RuntimeError(f'peer result wrong (diff {pdiff:.2e})')
            fs = [mk(s)[1] for s in sets]
            pus = timeit(fs)
            peers.append(dict(name=name, median_us=round(pus, 2), tflops=round(flops / pus / 1e6, 1), diff=pdiff,
                              layout=layout, ratio=round(pus / ours_us, 3)))
            del po
        except Exception as ex:
            peers.append(dict(name=name, error=(type(ex).__name__ + ': ' + str(ex))[:300]))
    fp8_peers = [p for p in peers if 'median_us' in p and 'BF16' not in p['name']]
    best = min(fp8_peers, key=lambda p: p['median_us']) if fp8_peers else None
    row = dict(op=desc['op'], backend='cuda', layout=desc['layout'], kernel='sm90 wgmma grouped', case=desc['case'],
               config=dict(tag=tag, blockM=TAGS[tag][1], blockN=TAGS[tag][2]), shape=desc['shape'],
               median_us=round(ours_us, 2), tflops=round(flops / ours_us / 1e6, 1),
               gbps=round(nbytes / ours_us / 1e3, 1), bwFraction=round(nbytes / ours_us / 1e3 / hbm, 3),
               peer=best, ratio=round(best['median_us'] / ours_us, 3) if best else None, peers=peers, diff=diff,
               nanCount=nan_count, untouchedRows=untouched, bitwiseRerun=bitwise, status=flags, tuning=tune)
    row['pass'] = ok
    results.append(row)
    with open(path, 'w') as fh:
        json.dump(doc, fh, indent=1)
    pr = ' '.join(f"{p['name'].split()[0].replace('torch.', '')}={p.get('median_us', 'ERR')}" for p in peers)
    print(f"{desc['case']:38s} ours={ours_us:9.2f}us {row['tflops']:7.1f}TF diff={diff:.1e} pass={ok} | {pr} | "
          f"tune={tune}", flush=True)
    for p in peers:
        if 'error' in p:
            print('   peer error:', p['name'], p['error'][:200], flush=True)


def uneven(G, mean, seed):
    rng = random.Random(seed)
    s = [int(mean * rng.uniform(0.7, 1.3)) for _ in range(G)]
    return s


# ------------------------------------------------------------------------------------------------ feature checks
def feature_checks():
    """Overlap signal counts, status flags on bad index data, psum / per-expert forms == per_token."""
    out = {}
    # signal: 8 experts, maxM 256, random counts; counters must end at ceil(N/128) on blocks with rows, 0 elsewhere
    E, maxM, N, K = 8, 256, 1024, 512
    masked = [0, 1, 64, 65, 130, 200, 256, 17]
    st = make_masked(E, maxM, masked, N, K, 11)
    sig = torch.zeros(E * cdiv(maxM, 64), dtype=torch.int32, device=dev)
    o = torch.full((E * maxM, N), float('nan'), device=dev, dtype=torch.bfloat16)
    run_masked(st, o, 'm_bm128_bn128', sig)
    flags = status_word()
    exp = torch.tensor([[cdiv(N, 128) if j * 64 < masked[e] else 0 for j in range(cdiv(maxM, 64))] for e in range(E)],
                       dtype=torch.int32, device=dev).reshape(-1)
    samples = sample_rows(st)
    d = calc_diff(gather_rows(o, samples), reference(st, samples))
    out['signal'] = dict(pass_=bool(torch.equal(sig, exp)) and flags == 0 and d < 1e-5, diff=d,
                         counters=sig.tolist())
    # masked_m out of range: clamped to maxM, BAD_COUNT raised, no fault
    st['masked_d'][2] = maxM + 9
    st['masked_d'][3] = -4
    o.fill_(float('nan'))
    run_masked(st, o, 'm_bm128_bn128')
    flags = status_word()
    out['badMaskedM'] = dict(pass_=flags == BAD_COUNT and not bool(torch.isnan(o[2 * maxM:3 * maxM].float()).any())
                             and bool(torch.isnan(o[3 * maxM:4 * maxM].float()).all()), status=flags)
    # contiguous: an out-of-range id and a block with two experts
    sizes = [300, 0, 129, 77]
    st = make_contig(sizes, 512, 256, 12)
    o = torch.full((st['M'], 512), float('nan'), device=dev, dtype=torch.bfloat16)
    run_contig(st, o)
    flags = status_word()
    ref_out = o.clone()
    samples = sample_rows(st)
    d = calc_diff(gather_rows(o, samples), reference(st, samples))
    forms = {}
    for mode, name in ((1, 'psum'), (2, 'perExpert')):
        ends, prev = [], 0
        for s0, n in zip(st['starts'], sizes):
            prev = s0 + n if n > 0 else prev
            ends.append(prev if mode == 1 else n)
        info = torch.tensor(ends, dtype=torch.int32, device=dev)
        o2 = torch.full_like(o, float('nan'))
        run_contig(st, o2, 'c_bm128_bn128', info, mode)
        f2 = status_word()
        forms[name] = bool(torch.equal(o2.view(torch.int16), ref_out.view(torch.int16))) and f2 == 0
    out['raggedForms'] = dict(pass_=flags == 0 and d < 1e-5 and all(forms.values()), diff=d, **forms)
    ids = st['ids'].clone()
    ids[5] = 99
    ids[130] = 2  # block 1 (rows 128..255) belongs to expert 0
    o.fill_(float('nan'))
    run_contig(st, o, 'c_bm128_bn128', ids, 0)
    flags = status_word()
    out['badIds'] = dict(pass_=flags == (BAD_EXPERT_ID | MISALIGNED), status=flags)
    if HAS_GATHER:
        # The launcher's scale-layout transform (sm90_grouped_scale_gather) from non-contiguous (MN-major) scales.
        st = make_masked(4, 200, [200, 3, 0, 150], 384, 640, 13)
        E, maxM, kb, nb = 4, 200, 5, 3
        src = st['sfa'].transpose(1, 2).contiguous().transpose(1, 2)
        rows_pad = cdiv(E * maxM, 4) * 4
        dst = torch.full((kb * rows_pad,), float('nan'), device=dev)
        check(LIB.gk_scale_gather(src.data_ptr(), dst.data_ptr(), E, maxM, rows_pad, kb, 1, *src.stride(), 1,
                                  rows_pad, stream()), 'gather a')
        srcb = st['sfb'].transpose(1, 2).contiguous().transpose(1, 2)
        dstb = torch.full((E * nb * kb,), float('nan'), device=dev)
        check(LIB.gk_scale_gather(srcb.data_ptr(), dstb.data_ptr(), E, nb, E * nb, kb, 1, *srcb.stride(), kb, 1,
                                  stream()), 'gather b')
        torch.cuda.synchronize()
        out['scaleGather'] = dict(pass_=bool(torch.equal(dst.view(kb, rows_pad), st['sfa_mn']))
                                  and bool(torch.equal(dstb, st['sfb'].reshape(-1))))
    for v in out.values():
        v['pass'] = v.pop('pass_')
    return out


def main():
    out_dir = os.environ.get('OUT', '/tmp')
    gpu = torch.cuda.get_device_name(0)
    short = 'h200' if 'H200' in gpu else ('h100' if 'H100' in gpu else gpu.replace(' ', '-').lower())
    date = datetime.date.today().isoformat()
    driver = subprocess.run(['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader'],
                            capture_output=True, text=True).stdout.strip()
    x = torch.empty(1 << 30, dtype=torch.uint8, device=dev)
    y = torch.empty_like(x)
    hbm = 2 * x.numel() / timeit([lambda: y.copy_(x)], batches=5) / 1e3
    del x, y
    s8 = 8192
    a8 = torch.randn(s8, s8, device=dev).to(torch.float8_e4m3fn)
    b8 = torch.randn(s8, s8, device=dev).to(torch.float8_e4m3fn)
    one = torch.tensor(1.0, device=dev)
    fp8_peak = 2 * s8 ** 3 / timeit([lambda: torch._scaled_mm(a8, b8.t(), scale_a=one, scale_b=one,
                                                              out_dtype=torch.bfloat16)], batches=5) / 1e6
    ab, bb = a8.to(torch.bfloat16), b8.to(torch.bfloat16)
    bf16_peak = 2 * s8 ** 3 / timeit([lambda: ab @ bb], batches=5) / 1e6
    del a8, b8, ab, bb
    ceilings = dict(hbmGBps=round(hbm, 1), fp8TFLOPS=round(fp8_peak, 1), bf16TFLOPS=round(bf16_peak, 1))
    print('ceilings', ceilings, flush=True)
    results = []
    doc = dict(suite='moe-grouped', gpu=gpu, driver=driver, cuda=torch.version.cuda, torch=torch.__version__,
               commit=os.environ.get('GIT_COMMIT', 'unknown'), date=date, ceilings=ceilings, results=results)
    path = os.path.join(out_dir, f'{short}-moe-grouped-{date}.json')
    try:
        doc['featureChecks'] = feature_checks()
        print('feature checks', json.dumps(doc['featureChecks'])[:600], flush=True)
    except Exception as ex:
        doc['featureChecks'] = dict(error=traceback.format_exc()[-600:])
        print('feature checks failed', traceback.format_exc(), flush=True)

    cases = []
    for (G, m) in ((4, 8192), (8, 4096)):
        for (N, K) in ((4096, 7168), (7168, 2048)):
            for kind in ('even', 'uneven'):
                cases.append(('contig', G, m, N, K, kind))
    for (E, t) in ((1, 1024), (2, 512), (4, 256)):
        for (N, K) in ((4096, 7168), (7168, 2048)):
            cases.append(('masked', E, t, N, K, 'full'))
    for (N, K) in ((4096, 7168), (7168, 2048)):
        cases.append(('masked', 32, 256, N, K, 'decode'))
    for i, (kind, G, m, N, K, var) in enumerate(cases):
        if time.time() - T0 > BUDGET_S:
            print('time budget reached; skipped', cases[i:], flush=True)
            doc['skipped'] = [list(c) for c in cases[i:]]
            break
        try:
            torch.cuda.empty_cache()
            if kind == 'contig':
                sizes = [m] * G if var == 'even' else uneven(G, m, 100 + i)
                per_set = sum(sizes) * K + G * N * K
                nsets = max(1, min(3, cdiv(3 * L2, per_set)))
                sets = [make_contig(sizes, N, K, 1000 * i + j) for j in range(nsets)]
                rows = sum(sizes)
                desc = dict(op='raggedMMoeGemm8bit', layout='contiguous', case=f'contig {var} {G}x{m} N{N} K{K}',
                            shape=dict(M=rows, N=N, K=K, G=G, mPadded=sets[0]['M'], groupRows=sizes))
            else:
                rng = random.Random(i)
                masked = [m] * G if var == 'full' else [rng.randint(20, 200) for _ in range(G)]
                rows = sum(masked)
                per_set = rows * K + G * N * K
                nsets = max(1, min(3, cdiv(3 * L2, per_set)))
                sets = [make_masked(G, m, masked, N, K, 1000 * i + j) for j in range(nsets)]
                desc = dict(op='maskedMoeGemm8bit', layout='masked', case=f'masked {var} {G}x{m} N{N} K{K}',
                            shape=dict(M=rows, N=N, K=K, G=G, maxM=m, maskedM=masked))
            flops = 2 * rows * N * K
            nbytes = rows * K + G * N * K + 2 * rows * N + 4 * (rows * cdiv(K, 128) + G * cdiv(N, 128) * cdiv(K, 128))
            bench_shape(desc, sets, flops, nbytes, hbm, results, doc, path)
            del sets
        except Exception:
            print('case failed', cases[i], traceback.format_exc(), flush=True)
            results.append(dict(case=str(cases[i]), error=traceback.format_exc()[-600:], **{'pass': False}))
    with open(path, 'w') as fh:
        json.dump(doc, fh, indent=1)
    print('wrote', path)
    print(f"\n{'case':38s} {'us':>9} {'TFLOPS':>7} {'sgmm us':>9} {'gmm16 us':>9} {'loop us':>9} {'ratio':>6} pass")
    for r in results:
        if 'median_us' not in r:
            print(f"{r['case']:38s} ERROR")
            continue
        pu = [str(p.get('median_us', 'err')) for p in r['peers']]
        print(f"{r['case']:38s} {r['median_us']:9.2f} {r['tflops']:7.1f} {pu[0]:>9} {pu[1]:>9} {pu[2]:>9} "
              f"{r['ratio']!s:>6} {r['pass']}")
    fc = doc.get('featureChecks', {})
    print('feature checks:', {k: v.get('pass') for k, v in fc.items() if isinstance(v, dict)})


if __name__ == '__main__':
    main()
