import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  calcDiff,
  type DType,
  decodeToFloat64,
  GemmkitError,
  loadFp8Checkpoint,
  openBlockScaledWeight,
  parseSafetensors,
  randomTensor,
  readSafetensors,
  safetensorsDtypeName,
  saveSafetensors,
  type Tensor,
  tensorFrom,
  writeSafetensors,
} from '../src/index.js';

const values = (t: Tensor) => [...decodeToFloat64(t.dtype, t.hostBytes())];

/** A file assembled by hand from the format description: u64 length, JSON, data. */
function handMade(header: object, data: number[], pad = true): Uint8Array {
  let json = JSON.stringify(header);
  if (pad) while (json.length % 8 !== 0) json += ' ';
  const out = new Uint8Array(8 + json.length + data.length);
  out[0] = json.length & 0xff;
  out[1] = json.length >> 8;
  for (let i = 0; i < json.length; i++) out[8 + i] = json.charCodeAt(i);
  out.set(data, 8 + json.length);
  return out;
}

describe('parseSafetensors on a hand-assembled file', () => {
  test('dtypes, shapes, metadata and zero-copy views', () => {
    const bytes = handMade(
      {
        __metadata__: { format: 'pt', note: 'hand' },
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'BF16', shape: [1, 2], data_offsets: [8, 12] },
        c: { dtype: 'F8_E4M3', shape: [2], data_offsets: [12, 14] },
        d: { dtype: 'I64', shape: [], data_offsets: [14, 22] },
        e: { dtype: 'F4', shape: [1, 4], data_offsets: [22, 24] },
        f: { dtype: 'F8_E8M0', shape: [1], data_offsets: [24, 25] },
        g: { dtype: 'BOOL', shape: [1], data_offsets: [25, 26] },
        h: { dtype: 'F16', shape: [0, 3], data_offsets: [26, 26] },
      },
      [
        ...[0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0], // 1, -2
        ...[0x80, 0x3f, 0x00, 0xbf], // 1, -0.5
        ...[0x38, 0xfe], // 1, -448
        ...[0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // -5
        ...[0x72, 0xaa], // 1, 6, -1, -1
        ...[130], // 8
        ...[1],
      ],
    );
    const st = parseSafetensors(bytes);
    expect(st.metadata).toEqual({ format: 'pt', note: 'hand' });
    expect(Object.keys(st.tensors).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(values(st.tensors.a)).toEqual([1, -2]);
    expect(st.tensors.b.shape).toEqual([1, 2]);
    expect(values(st.tensors.b)).toEqual([1, -0.5]);
    expect(values(st.tensors.c)).toEqual([1, -448]);
    expect(st.tensors.d.shape).toEqual([]);
    expect(values(st.tensors.d)).toEqual([-5]);
    expect(st.tensors.e.dtype).toBe('e2m1x2');
    expect(st.tensors.e.shape).toEqual([1, 2]); // packed bytes
    expect(values(st.tensors.e)).toEqual([1, 6, -1, -1]);
    expect(values(st.tensors.f)).toEqual([8]);
    expect(st.tensors.g.dtype).toBe('u8');
    expect(st.tensors.h.numel).toBe(0);
    // Zero-copy: the tensor sees a change to the source bytes.
    bytes[bytes.length - 2] = 131;
    expect(values(st.tensors.f)).toEqual([16]);
  });

  test('an unpadded header (data not 8-byte aligned) still decodes', () => {
    const bytes = handMade(
      { x: { dtype: 'I32', shape: [2], data_offsets: [0, 8] } },
      [1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
      false,
    );
    const x = parseSafetensors(bytes).tensors.x;
    expect(x.hostBytes().byteOffset % 4).not.toBe(0);
    expect(values(x)).toEqual([1, -1]);
  });
});

describe('writeSafetensors → parseSafetensors', () => {
  test('every dtype round-trips bit-exactly, header padded to 8 bytes', () => {
    const dtypes: DType[] = [
      'f32',
      'f16',
      'bf16',
      'e4m3',
      'e5m2',
      'ue8m0',
      'e2m1x2',
      'i8',
      'u8',
      'i32',
      'i64',
    ];
    const tensors: Record<string, Tensor> = {};
    dtypes.forEach((d, i) => {
      tensors[`t.${d}`] = randomTensor(d, [3, 4], {
        seed: i,
        dist: d[0] === 'i' || d === 'u8' ? 'uniform' : 'normal',
      });
    });
    const bytes = writeSafetensors(tensors, { format: 'pt', who: 'gemmkit' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header['t.e2m1x2']).toEqual({ dtype: 'F4', shape: [3, 8], data_offsets: expect.any(Array) });
    expect(header['t.ue8m0'].dtype).toBe('F8_E8M0');
    expect(header.__metadata__).toEqual({ format: 'pt', who: 'gemmkit' });
    const st = parseSafetensors(bytes);
    for (const d of dtypes) {
      const t = st.tensors[`t.${d}`];
      expect(t.dtype).toBe(d);
      expect(t.shape).toEqual([3, 4]);
      expect([...t.hostBytes()], d).toEqual([...tensors[`t.${d}`].hostBytes()]);
      expect(safetensorsDtypeName(d)).toBe(header[`t.${d}`].dtype);
    }
    expect(st.metadata).toEqual({ format: 'pt', who: 'gemmkit' });
    // Aligned data: an 8-byte tensor at an 8-byte offset is viewable as BigInt64Array directly.
    for (const d of dtypes) {
      const view = st.tensors[`t.${d}`].hostBytes();
      expect(view.byteOffset % (d === 'i64' ? 8 : d.endsWith('32') ? 4 : 1), d).toBe(0);
    }
  });

  test('strided views are gathered; saveSafetensors/readSafetensors through a file', async () => {
    const t = tensorFrom('f32', [2, 3], [1, 2, 3, 4, 5, 6]).transpose();
    const dir = mkdtempSync(join(tmpdir(), 'gk-st-'));
    await saveSafetensors(join(dir, 'x.safetensors'), { t });
    const st = await readSafetensors(join(dir, 'x.safetensors'));
    expect(st.tensors.t.shape).toEqual([3, 2]);
    expect(values(st.tensors.t)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(st.metadata).toEqual({});
    const again = await readSafetensors(writeSafetensors({ t }).buffer as ArrayBuffer);
    expect(values(again.tensors.t)).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('DeepSeek-style FP8 shard', () => {
  const N = 300;
  const K = 200;
  const shard = () => {
    const weight = randomTensor('e4m3', [N, K], { seed: 21 });
    const scale = randomTensor('f32', [Math.ceil(N / 128), Math.ceil(K / 128)], {
      seed: 22,
      dist: 'uniform',
      low: 1e-3,
      high: 1e-2,
    });
    return {
      weight,
      scale,
      bytes: writeSafetensors(
        {
          'model.layers.0.mlp.down_proj.weight': weight,
          'model.layers.0.mlp.down_proj.weight_scale_inv': scale,
          'model.layers.0.input_layernorm.weight': randomTensor('bf16', [K], { seed: 23 }),
        },
        { format: 'pt' },
      ),
    };
  };

  test('openBlockScaledWeight pairs weight with 128x128 scales; dequantizing matches by hand', () => {
    const { weight, scale, bytes } = shard();
    const st = parseSafetensors(bytes);
    const w = openBlockScaledWeight(st, 'model.layers.0.mlp.down_proj.weight');
    expect(w.weight.shape).toEqual([N, K]);
    expect(w.scale).toMatchObject({
      granularity: [1, 128, 128],
      major: 'K',
      encoding: 'f32',
      layout: 'linear',
    });
    expect(w.scale.tensor.shape).toEqual([3, 2]);
    expect(openBlockScaledWeight(st, 'model.layers.0.mlp.down_proj').weight).toBe(w.weight);
    const q = decodeToFloat64('e4m3', w.weight.hostBytes());
    const s = decodeToFloat64('f32', w.scale.tensor.hostBytes());
    const q0 = decodeToFloat64('e4m3', weight.hostBytes());
    const s0 = decodeToFloat64('f32', scale.hostBytes());
    const deq = q.map((v, i) => v * s[Math.floor(Math.floor(i / K) / 128) * 2 + Math.floor((i % K) / 128)]);
    const ref = q0.map((v, i) => v * s0[Math.floor(Math.floor(i / K) / 128) * 2 + Math.floor((i % K) / 128)]);
    expect(calcDiff(deq, ref)).toBe(0);
    expect([...deq]).toEqual([...ref]);
  });

  test('loadFp8Checkpoint finds every block-scaled weight and keeps the rest', () => {
    const st = parseSafetensors(shard().bytes);
    const ck = loadFp8Checkpoint(st);
    expect(Object.keys(ck.weights)).toEqual(['model.layers.0.mlp.down_proj']);
    expect(Object.keys(ck.others)).toEqual(['model.layers.0.input_layernorm.weight']);
    expect(ck.metadata).toEqual({ format: 'pt' });
  });

  test('ue8m0 scales are accepted with their encoding', () => {
    const st = parseSafetensors(
      writeSafetensors({
        'x.weight': randomTensor('e4m3', [128, 256], { seed: 1 }),
        'x.weight_scale_inv': randomTensor('ue8m0', [1, 2], { seed: 2 }),
      }),
    );
    expect(openBlockScaledWeight(st, 'x').scale.encoding).toBe('ue8m0');
  });

  test('errors name what is missing or wrong', () => {
    const mk = (t: Record<string, Tensor>) => parseSafetensors(writeSafetensors(t));
    const w = randomTensor('e4m3', [256, 128], { seed: 1 });
    const s = randomTensor('f32', [2, 1], { seed: 2 });
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(GemmkitError);
        return `${(e as GemmkitError).code} ${(e as GemmkitError).arg}`;
      }
      return 'no error';
    };
    expect(code(() => openBlockScaledWeight(mk({ 'x.weight_scale_inv': s }), 'x'))).toBe(
      'E_UNSUPPORTED name',
    );
    expect(code(() => openBlockScaledWeight(mk({ 'x.weight': w }), 'x'))).toBe('E_UNSUPPORTED name');
    expect(
      code(() =>
        openBlockScaledWeight(
          mk({ 'x.weight': randomTensor('bf16', [256, 128]), 'x.weight_scale_inv': s }),
          'x',
        ),
      ),
    ).toBe('E_DTYPE x.weight');
    expect(
      code(() =>
        openBlockScaledWeight(
          mk({ 'x.weight': randomTensor('e4m3', [2, 256, 128]), 'x.weight_scale_inv': s }),
          'x',
        ),
      ),
    ).toBe('E_SHAPE x.weight');
    expect(
      code(() =>
        openBlockScaledWeight(mk({ 'x.weight': w, 'x.weight_scale_inv': randomTensor('bf16', [2, 1]) }), 'x'),
      ),
    ).toBe('E_DTYPE x.weight_scale_inv');
    expect(
      code(() =>
        openBlockScaledWeight(mk({ 'x.weight': w, 'x.weight_scale_inv': randomTensor('f32', [1, 1]) }), 'x'),
      ),
    ).toBe('E_SHAPE x.weight_scale_inv');
    expect(
      code(() => openBlockScaledWeight(mk({ 'x.weight': w, 'x.weight_scale_inv': s }), 'x', { block: 0 })),
    ).toBe('E_RANGE opts.block');
    expect(code(() => loadFp8Checkpoint(mk({ 'y.weight_scale_inv': s })))).toBe(
      'E_UNSUPPORTED y.weight_scale_inv',
    );
    expect(code(() => loadFp8Checkpoint(null as never))).toBe('E_UNSUPPORTED st');
  });
});

describe('safetensors errors', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(GemmkitError);
      return `${(e as GemmkitError).code} ${(e as GemmkitError).arg}`;
    }
    return 'no error';
  };
  const one = (entry: object, data: number[] = [0, 0, 0, 0]) => handMade({ x: entry }, data);

  test('malformed files', () => {
    expect(code(() => parseSafetensors([1, 2] as never))).toBe('E_UNSUPPORTED source');
    expect(code(() => parseSafetensors(new Uint8Array(4)))).toBe('E_SHAPE source');
    const huge = new Uint8Array(16);
    huge[0] = 100;
    expect(code(() => parseSafetensors(huge))).toBe('E_SHAPE source');
    const notJson = handMade({}, []);
    notJson[8] = 0x7b + 1;
    expect(code(() => parseSafetensors(notJson))).toBe('E_UNSUPPORTED source');
    const arr = new Uint8Array(8 + 8);
    arr[0] = 8;
    arr.set(
      [...'[1]     '].map((c) => c.charCodeAt(0)),
      8,
    );
    expect(code(() => parseSafetensors(arr))).toBe('E_UNSUPPORTED source');
    expect(code(() => parseSafetensors(handMade({ __metadata__: [1] }, [])))).toBe(
      'E_UNSUPPORTED __metadata__',
    );
    expect(code(() => parseSafetensors(handMade({ __metadata__: { a: 1 } }, [])))).toBe(
      'E_UNSUPPORTED __metadata__.a',
    );
  });

  test('bad entries', () => {
    expect(
      code(() =>
        parseSafetensors(one({ dtype: 'F64', shape: [1], data_offsets: [0, 8] }, new Array(8).fill(0))),
      ),
    ).toBe('E_DTYPE tensors.x');
    expect(code(() => parseSafetensors(one({ dtype: 'F32', shape: [-1], data_offsets: [0, 4] })))).toBe(
      'E_SHAPE tensors.x',
    );
    expect(code(() => parseSafetensors(one({ dtype: 'F32', shape: [1], data_offsets: [4, 0] })))).toBe(
      'E_RANGE tensors.x',
    );
    expect(code(() => parseSafetensors(one({ dtype: 'F32', shape: [2], data_offsets: [0, 4] })))).toBe(
      'E_SHAPE tensors.x',
    );
    expect(code(() => parseSafetensors(one({ dtype: 'F32', shape: [2], data_offsets: [0, 8] })))).toBe(
      'E_RANGE tensors.x',
    );
    expect(code(() => parseSafetensors(one({ dtype: 'F4', shape: [3], data_offsets: [0, 2] }, [0, 0])))).toBe(
      'E_SHAPE tensors.x',
    );
  });

  test('gaps, overlaps and trailing bytes', () => {
    const two = (a: number[], b: number[], len: number) =>
      handMade(
        {
          a: { dtype: 'U8', shape: [a[1] - a[0]], data_offsets: a },
          b: { dtype: 'U8', shape: [b[1] - b[0]], data_offsets: b },
        },
        new Array(len).fill(0),
      );
    expect(code(() => parseSafetensors(two([0, 2], [1, 3], 3)))).toBe('E_RANGE tensors.b');
    expect(code(() => parseSafetensors(two([0, 1], [2, 3], 3)))).toBe('E_RANGE tensors.b');
    expect(code(() => parseSafetensors(two([0, 1], [1, 2], 3)))).toBe('E_RANGE source');
    expect(code(() => parseSafetensors(two([0, 1], [1, 2], 2)))).toBe('no error');
  });

  test('writer errors', async () => {
    expect(code(() => writeSafetensors(null as never))).toBe('E_UNSUPPORTED tensors');
    expect(code(() => writeSafetensors({ x: 1 as never }))).toBe('E_UNSUPPORTED tensors.x');
    expect(code(() => writeSafetensors({ __metadata__: tensorFrom('u8', [1], [1]) }))).toBe(
      'E_UNSUPPORTED tensors',
    );
    expect(code(() => writeSafetensors({}, { a: 1 as never }))).toBe('E_UNSUPPORTED metadata.a');
    expect(code(() => writeSafetensors({ x: tensorFrom('e2m1x2', [], [1, 2]) }))).toBe('E_SHAPE tensor');
    await expect(readSafetensors(null as never)).rejects.toMatchObject({ code: 'E_UNSUPPORTED' });
  });
});
