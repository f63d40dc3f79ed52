"""Launch one kernel variant a few times on one shape (for ncu): GK_TAG, GK_SHAPE=MxNxK, GK_REPS."""
import ctypes, os
import torch

dev = torch.device('cuda')
lib = ctypes.CDLL(os.environ.get('GK_FP8_LIB', '/tmp/gk_fp8_sm90.so'))
tag = os.environ.get('GK_TAG', 'bm128_bn128_c1')
M, N, K = (int(x) for x in os.environ.get('GK_SHAPE', '4096x7168x16384').split('x'))
fn = getattr(lib, 'gk_' + tag)
fn.restype = ctypes.c_int
fn.argtypes = [ctypes.c_void_p] * 8 + [ctypes.c_int] * 5 + [ctypes.c_void_p]
bm, bn = int(tag.split('_')[0][2:]), int(tag.split('_')[1][2:])
kb = (K + 127) // 128
a = (torch.randn(M, K, device=dev) * 2).to(torch.float8_e4m3fn)
b = (torch.randn(N, K, device=dev) * 2).to(torch.float8_e4m3fn)
mpad = (M + 3) // 4 * 4
sfa = torch.rand(kb, mpad, device=dev) + 0.5
sfb = torch.rand((N + 127) // 128, kb, device=dev) + 0.5
out = torch.empty(M, N, device=dev, dtype=torch.bfloat16)
ws = torch.empty(1, device=dev)
cnt = torch.zeros(1, dtype=torch.int32, device=dev)
tiles = -(-M // bm) * -(-N // bn)
grid = min(tiles, torch.cuda.get_device_properties(0).multi_processor_count)
for _ in range(int(os.environ.get('GK_REPS', '5'))):
    r = fn(a.data_ptr(), b.data_ptr(), sfa.data_ptr(), sfb.data_ptr(), out.data_ptr(), 0, ws.data_ptr(),
           cnt.data_ptr(), M, N, K, 1, grid, torch.cuda.current_stream().cuda_stream)
    assert r == 0, r
torch.cuda.synchronize()
print('ok', tag, M, N, K)
