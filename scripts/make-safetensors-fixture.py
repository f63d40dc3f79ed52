#!/usr/bin/env python3
"""Write packages/core/test/fixtures/torch-fixture.safetensors (+ .json sidecar) with torch + safetensors.

The fixture is an independent check of gemmkit's safetensors reader and dtype codecs: every tensor is
produced by PyTorch (deterministic, arange/linspace based, no RNG) and the sidecar records, for each
tensor, its safetensors dtype, shape, raw bit patterns and the values PyTorch decodes them to. Tensors
named `cast_*` also record the float32 `source` values that PyTorch rounded, so the test can check that
gemmkit's encoder rounds them to the same bits.

Run on a machine with torch (>= 2.1) and safetensors (>= 0.4):
    python3 scripts/make-safetensors-fixture.py
It prints the files it wrote. float8_e8m0fnu (F8_E8M0) and float4_e2m1fn_x2 (F4) are added when torch and
safetensors support them. Checked locally with torch 2.13 (CPU) + safetensors 0.8: the test passes.
"""
import json
import math
import os
import sys

import torch
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# `--out DIR` writes elsewhere (e.g. to inspect a fixture before committing it).
OUT_DIR = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else os.path.join(ROOT, "packages", "core", "test", "fixtures")
OUT = os.path.join(OUT_DIR, "torch-fixture.safetensors")

INT_VIEW = {
    torch.bfloat16: torch.int16,
    torch.float16: torch.int16,
    torch.float32: torch.int32,
    torch.float8_e4m3fn: torch.uint8,
    torch.float8_e5m2: torch.uint8,
}
ST_NAME = {
    torch.bfloat16: "BF16",
    torch.float16: "F16",
    torch.float32: "F32",
    torch.float8_e4m3fn: "F8_E4M3",
    torch.float8_e5m2: "F8_E5M2",
    torch.int32: "I32",
    torch.int64: "I64",
    torch.uint8: "U8",
}
E8M0 = getattr(torch, "float8_e8m0fnu", None)
if E8M0 is not None:
    INT_VIEW[E8M0] = torch.uint8
    ST_NAME[E8M0] = "F8_E8M0"
FP4 = getattr(torch, "float4_e2m1fn_x2", None)
if FP4 is not None:
    INT_VIEW[FP4] = torch.uint8
    ST_NAME[FP4] = "F4"
E2M1 = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]


def fp4_values(t):
    """Logical values of packed FP4 bytes (low nibble first); torch cannot convert this dtype to float."""
    out = []
    for b in t.contiguous().view(torch.uint8).flatten().tolist():
        for nib in (b & 0xF, b >> 4):
            v = E2M1[nib & 7]
            out.append(-v if nib & 8 else v)
    return out


def num(x):
    """JSON-safe number: NaN/inf as strings; -0.0 is kept by json."""
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
    return x


def bits_of(t):
    if t.dtype in INT_VIEW:
        mask = (1 << (8 * t.element_size())) - 1
        return [int(v) & mask for v in t.contiguous().view(INT_VIEW[t.dtype]).flatten().tolist()]
    return None


def main():
    f32 = torch.float32
    tensors = {
        # Plain decode checks: values exactly representable.
        "bf16": (torch.arange(-12, 12, dtype=f32) * 0.375).reshape(4, 6).to(torch.bfloat16),
        "f16": (torch.arange(0, 10, dtype=f32) / 4 - 1).reshape(2, 5).to(torch.float16),
        "f32": torch.linspace(-1, 1, 7, dtype=f32),
        "i32": torch.arange(-5, 7, dtype=torch.int32).reshape(3, 4),
        "i64": torch.tensor([-(2**40), -1, 0, 1, 2**53], dtype=torch.int64),
        "u8": torch.arange(0, 256, 17, dtype=torch.uint8),
        # Every fp8 code, decoded by PyTorch.
        "e4m3_all": torch.arange(256, dtype=torch.uint8).view(torch.float8_e4m3fn).reshape(16, 16),
        "e5m2_all": torch.arange(256, dtype=torch.uint8).view(torch.float8_e5m2).reshape(16, 16),
    }
    # Rounding checks: float32 sources (ties, subnormals, overflow) rounded by PyTorch's casts.
    src8 = torch.tensor(
        [0.0, -0.0, 1.0, 1.0625, 1.1875, 17.0, 300.0, 448.0, 464.0, -464.0, 2**-10, 1.5 * 2**-9, 7.5 * 2**-9,
         0.3, -0.7, 3.14159, 1e-3, 2.5, 6.5, -100.0],
        dtype=f32,
    )
    src5 = torch.tensor(
        [0.0, 1.125, 1.375, 57344.0, 61439.0, -3.3, 2**-17, 3 * 2**-17, 0.1, 1e-5, 1000.0, -12345.0],
        dtype=f32,
    )
    srch = torch.tensor(
        [1.0 + 2**-8, 1.0 + 3 * 2**-8, 3.14159265, -2.71828, 65504.0, 65519.0, 2**-24, 2**-25, 3 * 2**-25,
         1e-8, 0.1, 3.3895313892515355e38, 1234.5678],
        dtype=f32,
    )
    tensors["cast_e4m3"] = src8.to(torch.float8_e4m3fn)
    tensors["cast_e5m2"] = src5.to(torch.float8_e5m2)
    tensors["cast_bf16"] = srch.to(torch.bfloat16)
    tensors["cast_f16"] = srch[:11].to(torch.float16)
    sources = {"cast_e4m3": src8, "cast_e5m2": src5, "cast_bf16": srch, "cast_f16": srch[:11]}
    if E8M0 is not None:
        tensors["e8m0_all"] = torch.arange(256, dtype=torch.uint8).view(E8M0)
    if FP4 is not None:
        # Every byte (both nibbles): 256 packed pairs as a [16, 16] tensor of pairs.
        tensors["fp4_all"] = torch.arange(256, dtype=torch.uint8).view(FP4).reshape(16, 16)

    metadata = {"format": "pt", "producer": "scripts/make-safetensors-fixture.py", "torch": torch.__version__}
    os.makedirs(OUT_DIR, exist_ok=True)
    try:
        save_file(tensors, OUT, metadata=metadata)
    except Exception as e:  # an older safetensors without F8_E8M0: retry without it
        optional = [k for k in ("e8m0_all", "fp4_all") if k in tensors]
        if not optional:
            raise
        print(f"note: dropping {optional} ({e})", file=sys.stderr)
        for k in optional:
            del tensors[k]
        save_file(tensors, OUT, metadata=metadata)

    sidecar = {"metadata": metadata, "tensors": {}}
    for name, t in tensors.items():
        entry = {
            "dtype": ST_NAME[t.dtype],
            "shape": list(t.shape),
            "values": fp4_values(t) if t.dtype == FP4 else [num(v) for v in t.to(torch.float64).flatten().tolist()],
        }
        b = bits_of(t)
        if b is not None:
            entry["bits"] = b
        if name in sources:
            entry["source"] = [num(v) for v in sources[name].to(torch.float64).tolist()]
        sidecar["tensors"][name] = entry
    with open(OUT[: -len(".safetensors")] + ".json", "w") as f:
        json.dump(sidecar, f, indent=1)
    print(OUT)
    print(OUT[: -len(".safetensors")] + ".json")


if __name__ == "__main__":
    main()
