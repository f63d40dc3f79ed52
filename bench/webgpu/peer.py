"""cuBLAS peer for the WebGPU GEMM benchmark, and the ceilings of the same run.

Reads the report of packages/backend-webgpu/bench/webgpu-gemm.mjs (rows with shape {M, N, K, G, layout}),
times torch.matmul in BF16 (cuBLAS) on each shape, and measures in the same process:
  hbmGBps     a 2 GiB device-to-device copy (bytes read + bytes written per second)
  bf16TFLOPS  an 8192^3 bf16 matmul
Times are the median over batches of back-to-back calls, each batch timed by a pair of CUDA events, after
a warm-up; a batch lasts at least ~0.5 ms so launch gaps do not count for small shapes.

  python3 bench/webgpu/peer.py <webgpu-raw.json> <peer.json> [--allow-cpu]

--allow-cpu: with no CUDA device, time on the CPU with a wall clock and small ceilings (a smoke test of
the script itself; its numbers mean nothing).
"""
import json
import math
import statistics
import sys
import time

import torch


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    if len(args) != 2:
        sys.exit('usage: peer.py <webgpu-raw.json> <peer.json> [--allow-cpu]')
    src, dst = args
    cuda = torch.cuda.is_available()
    if not cuda and '--allow-cpu' not in sys.argv:
        sys.exit('peer.py: no CUDA device (pass --allow-cpu for a CPU smoke run)')
    dev = torch.device('cuda' if cuda else 'cpu')
    torch.backends.cuda.matmul.allow_tf32 = False
    with open(src) as f:
        raw = json.load(f)

    def timer(fn, batches=15, min_batch_s=5e-4):
        """Median seconds per call of `fn` over `batches` batches (after warm-up)."""
        for _ in range(3):
            fn()
        sync()
        t = time_batch(fn, 1)
        reps = max(1, min(1000, math.ceil(min_batch_s / max(t, 1e-7))))
        return statistics.median(time_batch(fn, reps) / reps for _ in range(batches))

    def sync():
        if cuda:
            torch.cuda.synchronize()

    def time_batch(fn, reps):
        if cuda:
            s = torch.cuda.Event(enable_timing=True)
            e = torch.cuda.Event(enable_timing=True)
            s.record()
            for _ in range(reps):
                fn()
            e.record()
            e.synchronize()
            return s.elapsed_time(e) / 1e3
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        return time.perf_counter() - t0

    # Ceilings first, on an idle device.
    big = 8192 if cuda else 512
    copy_bytes = (2 << 30) if cuda else (64 << 20)
    a = torch.empty(copy_bytes, dtype=torch.uint8, device=dev)
    a.fill_(1)
    b = torch.empty_like(a)
    copy_s = timer(lambda: b.copy_(a), batches=10)
    del a, b
    x = torch.randn(big, big, device=dev).to(torch.bfloat16)
    y = torch.randn(big, big, device=dev).to(torch.bfloat16)
    mm_s = timer(lambda: torch.matmul(x, y), batches=10)
    del x, y
    ceilings = {
        'hbmGBps': round(2 * copy_bytes / copy_s / 1e9, 1),
        'bf16TFLOPS': round(2 * big**3 / mm_s / 1e12, 1),
        'copyBytes': copy_bytes,
        'matmulSize': big,
    }
    print(f'ceilings: HBM {ceilings["hbmGBps"]} GB/s, bf16 {big}^3 {ceilings["bf16TFLOPS"]} TFLOP/s', file=sys.stderr)

    rows = []
    for r in raw.get('results', []):
        sh = r.get('shape')
        if not sh:
            continue
        G, M, N, K = sh.get('G', 1), sh['M'], sh['N'], sh['K']
        # Weights stored [N, K] (NT), as in the WebGPU rows; a masked layout computes all maxM rows.
        label = 'torch.matmul bf16 (cuBLAS)' + (', all maxM rows' if sh.get('layout') == 'masked' else '')
        try:
            if G == 1:
                A = torch.randn(M, K, device=dev).to(torch.bfloat16)
                B = torch.randn(N, K, device=dev).to(torch.bfloat16).t()
            else:
                A = torch.randn(G, M, K, device=dev).to(torch.bfloat16)
                B = torch.randn(G, N, K, device=dev).to(torch.bfloat16).transpose(1, 2)
            s = timer(lambda: torch.matmul(A, B))
            peer = {'name': label, 'median_us': round(s * 1e6, 2),
                    'tflops': round(2 * G * M * N * K / s / 1e12, 2)}
            del A, B
        except Exception as e:  # noqa: BLE001 -- recorded per row, the others still run
            peer = {'name': label, 'error': str(e)[:400]}
            if cuda:
                torch.cuda.empty_cache()
        rows.append({'name': r['name'], 'shape': sh, 'peer': peer})
        print(f'{r["name"]:<48} {peer.get("median_us", "-"):>10} us  {peer.get("tflops", peer.get("error", ""))}',
              file=sys.stderr)

    out = {
        'peer': 'torch.matmul bf16',
        'device': torch.cuda.get_device_name(0) if cuda else 'cpu (smoke run: numbers mean nothing)',
        'torch': torch.__version__,
        'cuda': torch.version.cuda,
        'timing': 'CUDA events, median over batches' if cuda else 'wall clock (cpu smoke run)',
        'ceilings': ceilings,
        'rows': rows,
    }
    with open(dst, 'w') as f:
        json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
