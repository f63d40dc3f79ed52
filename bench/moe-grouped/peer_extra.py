#!/usr/bin/env python3
"""Torch peers for bench/moe-grouped/library-bench.mjs (ragged-K FP8 wgrad GEMM, BF16 segment GEMM).

  python3 peer_extra.py LIBRARY_JSON [--out $OUT/moe-extra.json] [--commit-file .gpu-bundle/commit] [--budget-s 80]

Reads the library run's cases (shapes and the exact group sizes it used), times torch on the same problems and
writes one BENCH_RESULTS.md-style file (suite 'moe-extra'), then prints a table last.

Peers (CUDA events around batches of R calls, R so a batch >= 2 ms, median of 20 batches; operands are not
rotated: each case moves >= 100 MB, well past the 50 MB L2):
  ragged-K (out[e] += A_e^T B_e, A [sumK, M], B [sumK, N], K groups along the rows):
    - torch._grouped_mm BF16, 2-D x 2-D with offs along K (the wgrad form): a = A^T [M, sumK], b = B [sumK, N],
      out [G, M, N]. Not accumulating into an existing output (ours does: f32 +=).
    - loop of torch._scaled_mm FP8 per expert with 1x128 scales on both operands (per row of A^T / column of
      B and 128-token block), the error message recorded where cuBLASLt or torch refuses it.
  segment (y[rows of s] = x[rows of s] @ W[s]):
    - torch._grouped_mm BF16 with offs along M: a = x [sumM, K], b = W [G, K, N] (or W [G, N, K] transposed).
    - loop of torch.mm per segment into slices of one output (what a cuBLAS-per-segment implementation does).
ratio = peer median / our median (> 1: ours faster), per BENCH_RESULTS.md; the primary `peer` is the FP8 loop
for ragged-K (same precision as ours) when torch accepts it, else the BF16 grouped GEMM; for segment the
BF16 grouped GEMM.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

T0 = time.time()


def log(*a):
    print(*a, flush=True)


def timeit(torch, fn, min_batch_ms=2.0, batches=20):
    """Median ms per call: warm-up, size R from one call, then `batches` event-timed batches of R calls."""
    fn()
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    fn()
    e.record()
    e.synchronize()
    est = max(s.elapsed_time(e), 1e-3)
    reps = max(1, int(-(-min_batch_ms // est)))
    out = []
    for _ in range(batches):
        s.record()
        for _ in range(reps):
            fn()
        e.record()
        e.synchronize()
        out.append(s.elapsed_time(e) / reps)
    return statistics.median(out)


def short(err):
    return ' '.join(f'{type(err).__name__}: {err}'.split())[:400]


def try_forms(torch, forms):
    """forms: [(layout, fn)]. Times the first form that runs; returns (layout, ms, errors of the ones before)."""
    errors = []
    for layout, fn in forms:
        try:
            fn()
            torch.cuda.synchronize()
            return layout, timeit(torch, fn), errors
        except Exception as err:  # noqa: BLE001 - a refused layout is a result to record
            errors.append(f'{layout}: {short(err)}')
            torch.cuda.synchronize()
    return None, None, errors


def peer_row(name, layout, ms, errors, flops):
    if ms is None:
        return dict(name=name, error=' | '.join(errors) or 'not run')
    row = dict(name=name, layout=layout, median_us=round(ms * 1e3, 2), tflops=round(flops / (ms * 1e9), 2))
    if errors:
        row['refusedLayouts'] = errors
    return row


def ragged_k_peers(torch, r):
    sh = r['shape']
    M, N, K, G, counts = sh['M'], sh['N'], sh['K'], sh['G'], sh['groupK']
    flops = r['flops']
    dev = 'cuda'
    g = torch.Generator(device=dev).manual_seed(1)
    ends = [sum(counts[: i + 1]) for i in range(G)]
    starts = [e - c for e, c in zip(ends, counts)]
    offs = torch.tensor(ends, dtype=torch.int32, device=dev)
    peers = []

    # BF16 grouped, K along the groups (both operands token-major as the wgrad sees them).
    A16 = torch.randn(K, M, device=dev, dtype=torch.bfloat16, generator=g)
    B16 = torch.randn(K, N, device=dev, dtype=torch.bfloat16, generator=g)
    At16 = A16.t().contiguous()
    forms = []
    for od in (torch.float32, torch.bfloat16):
        tag = 'f32' if od == torch.float32 else 'bf16'
        forms.append((f'a = A^T view [M,sumK] (M-contiguous), b = B [sumK,N], offs K ends, out {tag} [G,M,N]',
                      lambda od=od: torch._grouped_mm(A16.t(), B16, offs=offs, out_dtype=od)))
        forms.append((f'a = A^T contiguous [M,sumK], b = B [sumK,N], offs K ends, out {tag} [G,M,N]',
                      lambda od=od: torch._grouped_mm(At16, B16, offs=offs, out_dtype=od)))
    layout, ms, errs = try_forms(torch, forms)
    peers.append(peer_row('torch._grouped_mm BF16 (2-D x 2-D, offs along K)', layout, ms, errs, flops))
    del A16, B16, At16
    torch.cuda.empty_cache()

    # FP8 per-expert loop with 1x128 scales on both operands: a_e [M, Ke] K-contiguous, b_e [Ke, N] column-major.
    A8 = torch.randn(K, M, device=dev, generator=g).to(torch.float8_e4m3fn)
    B8 = torch.randn(K, N, device=dev, generator=g).to(torch.float8_e4m3fn)
    sa = torch.rand(-(-K // 128), M, device=dev, generator=g) + 0.25
    sb = torch.rand(-(-K // 128), N, device=dev, generator=g) + 0.25
    ops = []
    for s0, c in zip(starts, counts):
        if c == 0:
            continue  # an empty expert launches nothing
        kb0, kb1 = s0 // 128, (s0 + c) // 128
        a_e = A8[s0:s0 + c].t().contiguous()                 # [M, Ke] row-major
        b_e = B8[s0:s0 + c].t().contiguous().t()             # [Ke, N] column-major
        sa_e = sa[kb0:kb1].contiguous().t()                  # [M, Ke/128], stride (1, M): 1x128 on a
        sb_e = sb[kb0:kb1].contiguous()                      # [Ke/128, N] row-major: 1x128 on b (b^T [N, Ke])
        ops.append((a_e, b_e, sa_e, sb_e))
    del A8, B8
    forms = []
    for od in (torch.float32, torch.bfloat16):
        tag = 'f32' if od == torch.float32 else 'bf16'
        forms.append((f'per expert: a_e [M,Ke] K-contig, b_e [Ke,N] col-major, scale_a [M,Ke/128] stride (1,M), '
                      f'scale_b [Ke/128,N] (1x128 both), out {tag} (no accumulate)',
                      lambda od=od: [torch._scaled_mm(a, b, scale_a=x, scale_b=y, out_dtype=od)
                                     for a, b, x, y in ops]))
    layout, ms, errs = try_forms(torch, forms)
    peers.append(peer_row('loop torch._scaled_mm FP8 1x128 x 1x128 (cuBLASLt)', layout, ms, errs, flops))
    del ops
    torch.cuda.empty_cache()
    primary = peers[1] if 'median_us' in peers[1] else peers[0]
    return peers, primary


def segment_peers(torch, r):
    sh = r['shape']
    total, N, K, G, rows = sh['M'], sh['N'], sh['K'], sh['G'], sh['groupRows']
    colmajor = r.get('config', {}).get('weightColumnMajor', False)
    flops = r['flops']
    dev = 'cuda'
    g = torch.Generator(device=dev).manual_seed(2)
    ends = [sum(rows[: i + 1]) for i in range(G)]
    offs = torch.tensor(ends, dtype=torch.int32, device=dev)
    x = torch.randn(total, K, device=dev, dtype=torch.bfloat16, generator=g)
    # Row-major weights [G, K, N] (dOut contiguous); column-major: stored [G, N, K], used as its transpose.
    W = torch.randn(G, N, K, device=dev, dtype=torch.bfloat16, generator=g).transpose(1, 2) if colmajor else \
        torch.randn(G, K, N, device=dev, dtype=torch.bfloat16, generator=g)
    wdesc = 'W [G,N,K] viewed [G,K,N]' if colmajor else 'W [G,K,N] N-contiguous'
    peers = []
    forms = [(f'a = x [sumM,K], b = {wdesc}, offs M ends, out bf16 [sumM,N]',
              lambda: torch._grouped_mm(x, W, offs=offs, out_dtype=torch.bfloat16))]
    if not colmajor:
        Wt = W.transpose(1, 2).contiguous().transpose(1, 2)
        forms.append(('a = x [sumM,K], b = W copied K-contiguous [G,K,N], offs M ends, out bf16 [sumM,N]',
                      lambda: torch._grouped_mm(x, Wt, offs=offs, out_dtype=torch.bfloat16)))
    layout, ms, errs = try_forms(torch, forms)
    peers.append(peer_row('torch._grouped_mm BF16 (offs along M)', layout, ms, errs, flops))
    y = torch.empty(total, N, device=dev, dtype=torch.bfloat16)
    segs = [(e - c, e, i) for i, (e, c) in enumerate(zip(ends, rows)) if c > 0]
    layout, ms, errs = try_forms(torch, [(f'torch.mm(x[s], W[s], out=y[s]) per segment, {wdesc}',
                                          lambda: [torch.mm(x[a:b], W[i], out=y[a:b]) for a, b, i in segs])])
    peers.append(peer_row('loop torch.mm BF16 per segment (cuBLAS)', layout, ms, errs, flops))
    del x, W, y
    torch.cuda.empty_cache()
    return peers, peers[0]


def ceilings(torch):
    x = torch.empty(1 << 29, device='cuda', dtype=torch.bfloat16)  # 1 GiB
    y = torch.empty_like(x)
    hbm = 2 * x.numel() * 2 / timeit(torch, lambda: y.copy_(x), batches=5) / 1e6
    del x, y
    s = 8192
    a = torch.randn(s, s, device='cuda', dtype=torch.bfloat16)
    b = torch.randn(s, s, device='cuda', dtype=torch.bfloat16)
    bf16 = 2 * s ** 3 / timeit(torch, lambda: a @ b, batches=5) / 1e9
    a8, b8 = a.to(torch.float8_e4m3fn), b.to(torch.float8_e4m3fn)
    one = torch.ones((), device='cuda')
    fp8 = 2 * s ** 3 / timeit(torch, lambda: torch._scaled_mm(a8, b8.t(), scale_a=one, scale_b=one,
                                                              out_dtype=torch.bfloat16), batches=5) / 1e9
    del a, b, a8, b8
    torch.cuda.empty_cache()
    return dict(hbmGBps=round(hbm, 1), fp8TFLOPS=round(fp8, 1), bf16TFLOPS=round(bf16, 1))


def table(results):
    head = f'{"case":46} {"ours us":>10} {"TF/s":>7} {"peer us":>10} {"TF/s":>7} {"ratio":>6}  peer / others'
    lines = [head, '-' * len(head)]
    for r in results:
        if 'median_us' not in r:
            lines.append(f'{r.get("case", "?"):46} {"-":>10}  {r.get("error") or r.get("skipped") or "no result"}')
            continue
        p = r.get('peer') or {}
        others = '; '.join(f'{q["name"]} {q["median_us"]} us' if 'median_us' in q else f'{q["name"]}: refused'
                           for q in r.get('peers', []) if q is not p)
        lines.append(f'{r["case"]:46} {r["median_us"]:>10} {r["tflops"]:>7} {p.get("median_us", "-"):>10} '
                     f'{p.get("tflops", "-"):>7} {r.get("ratio", "-"):>6}  {p.get("name", "none")}; {others}')
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('library_json')
    ap.add_argument('--out', default=os.path.join(os.environ.get('OUT', '.'), 'moe-extra.json'))
    ap.add_argument('--commit-file', default='.gpu-bundle/commit')
    ap.add_argument('--budget-s', type=float, default=80.0, help='no new case starts after this many seconds')
    args = ap.parse_args()
    with open(args.library_json) as f:
        lib = json.load(f)

    import torch
    if not torch.cuda.is_available():
        log('peer_extra: CUDA is not available')
        return 2
    gpu = torch.cuda.get_device_name()
    try:
        driver = subprocess.run(['nvidia-smi', '--query-gpu=driver_version', '--format=csv,noheader'],
                                capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
    except Exception:  # noqa: BLE001
        driver = 'unknown'
    try:
        with open(args.commit_file) as f:
            commit = f.read().strip()
    except OSError:
        commit = 'unknown'
    ceil = ceilings(torch)
    log('ceilings', ceil)

    results = []
    for r in lib.get('results', []):
        row = dict(r)
        if 'median_us' not in r:
            results.append(row)
            continue
        row['bwFraction'] = round(r['gbps'] / ceil['hbmGBps'], 3)
        if time.time() - T0 > args.budget_s:
            row['peer'] = None
            row['peerSkipped'] = 'time budget'
            results.append(row)
            log(f'SKIP peer {r["case"]}: past {args.budget_s} s')
            continue
        try:
            peers, primary = (ragged_k_peers if r['op'] == 'raggedKMoeGemm8bit' else segment_peers)(torch, r)
        except Exception as err:  # noqa: BLE001 - e.g. out of memory: keep our numbers
            peers, primary = [dict(name='setup', error=short(err))], None
            torch.cuda.empty_cache()
        for q in peers:
            if 'median_us' in q:
                q['ratio'] = round(q['median_us'] / r['median_us'], 3)
        row['peers'] = peers
        if primary and 'median_us' in primary:
            row['peer'] = dict(name=primary['name'], median_us=primary['median_us'], tflops=primary['tflops'])
            row['ratio'] = primary['ratio']
        else:
            row['peer'] = None
        results.append(row)
        log(f'{r["case"]}: ours {r["median_us"]} us; ' + '; '.join(
            f'{q["name"]} {q.get("median_us", "refused")}' for q in peers))

    doc = dict(suite='moe-extra', gpu=gpu, driver=driver, cuda=torch.version.cuda, torch=torch.__version__,
               commit=commit, date=datetime.date.today().isoformat(), ceilings=ceil,
               library=dict(backend=lib.get('backend'), device=lib.get('device'), validate=lib.get('validate'),
                            timing=lib.get('timing'), date=lib.get('date')),
               peerTiming='CUDA events, batches of R calls (>= 2 ms), median of 20; operands not rotated',
               results=results)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(doc, f, indent=1)
    log(f'wrote {args.out} ({time.time() - T0:.0f} s)')
    log(table(results))
    return 0


if __name__ == '__main__':
    sys.exit(main())
