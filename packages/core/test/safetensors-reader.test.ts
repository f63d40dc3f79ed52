import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  openBlockScaledWeight,
  openRandomAccessFile,
  openSafetensors,
  randomTensor,
  readFileBytes,
  saveSafetensors,
  writeSafetensors,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gk-str-'));

describe('SafetensorsReader (lazy, per tensor)', () => {
  test('reads the header on open and each tensor on demand, bit-exactly', async () => {
    const w = randomTensor('e4m3', [256, 384], { seed: 1 });
    const s = randomTensor('f32', [2, 3], { seed: 2, dist: 'uniform', low: 0.001, high: 0.01 });
    const n = randomTensor('bf16', [384], { seed: 3 });
    const path = join(dir, 'shard.safetensors');
    await saveSafetensors(
      path,
      { 'l.weight': w, 'l.weight_scale_inv': s, 'norm.weight': n },
      { format: 'pt' },
    );
    const r = await openSafetensors(path);
    expect(r.names.sort()).toEqual(['l.weight', 'l.weight_scale_inv', 'norm.weight']);
    expect(r.metadata).toEqual({ format: 'pt' });
    expect(r.has('l.weight')).toBe(true);
    expect(r.has('toString')).toBe(false);
    expect(r.entries['l.weight']).toMatchObject({ dtype: 'e4m3', shape: [256, 384] });
    expect(r.dataOffset % 8).toBe(0);
    const t = await r.load('norm.weight');
    expect([...t.hostBytes()]).toEqual([...n.hostBytes()]);
    const st = await r.loadMany(['l.weight', 'l.weight_scale_inv']);
    const bw = openBlockScaledWeight(st, 'l');
    expect([...bw.weight.hostBytes()]).toEqual([...w.hostBytes()]);
    expect([...bw.scale.tensor.hostBytes()]).toEqual([...s.hostBytes()]);
    expect(Object.keys((await r.loadMany()).tensors).length).toBe(3);
    await r.close();
    await r.close(); // idempotent
    await expect(r.load('norm.weight')).rejects.toMatchObject({ code: 'E_DISPOSED', arg: 'reader' });
  });

  test('errors: unknown name, bad header, missing file', async () => {
    const path = join(dir, 'one.safetensors');
    await saveSafetensors(path, { x: randomTensor('f32', [2], { seed: 1 }) });
    const r = await openSafetensors(path);
    await expect(r.load('y')).rejects.toMatchObject({ code: 'E_UNSUPPORTED', arg: 'name' });
    await r.close();
    const bad = join(dir, 'bad.safetensors');
    const bytes = writeSafetensors({ x: randomTensor('f32', [2], { seed: 1 }) });
    writeFileSync(bad, bytes.subarray(0, bytes.length - 1)); // data one byte short
    await expect(openSafetensors(bad)).rejects.toMatchObject({ code: 'E_RANGE', arg: 'tensors.x' });
    writeFileSync(bad, new Uint8Array(3));
    await expect(openSafetensors(bad)).rejects.toMatchObject({ code: 'E_SHAPE', arg: 'source' });
    await expect(openSafetensors(join(dir, 'missing.safetensors'))).rejects.toMatchObject({
      code: 'E_UNSUPPORTED',
      arg: 'path',
    });
  });
});

describe('RandomAccessFile', () => {
  test('positional reads into aligned fresh buffers; range, close and truncation errors', async () => {
    const path = join(dir, 'bytes.bin');
    writeFileSync(
      path,
      Uint8Array.from({ length: 100 }, (_, i) => i),
    );
    expect([...(await readFileBytes(path))].length).toBe(100);
    const f = await openRandomAccessFile(path);
    expect(f.size).toBe(100);
    const b = await f.readAt(10, 5);
    expect([...b]).toEqual([10, 11, 12, 13, 14]);
    expect(b.byteOffset).toBe(0);
    await expect(f.readAt(98, 5)).rejects.toMatchObject({ code: 'E_RANGE', arg: 'position/length' });
    await expect(f.readAt(-1, 1)).rejects.toMatchObject({ code: 'E_RANGE' });
    truncateSync(path, 50); // the file shrinks after open
    await expect(f.readAt(40, 20)).rejects.toMatchObject({ code: 'E_RANGE', arg: 'path' });
    await f.close();
    await f.close();
    await expect(f.readAt(0, 1)).rejects.toMatchObject({ code: 'E_DISPOSED', arg: 'file' });
    await expect(openRandomAccessFile(5 as never)).rejects.toMatchObject({
      code: 'E_UNSUPPORTED',
      arg: 'path',
    });
  });
});
