/** Every error path of core's infrastructure (checks, dtypes, codecs, random, numerics), by file. */
import { describe, expect, test } from 'vitest';
import { assertLittleEndian } from '../src/dtypes/bits.js';
import {
  calcDiff,
  checkContiguous,
  checkDtype,
  checkInnerContiguous,
  checkInt,
  checkOneOf,
  checkRank,
  checkShape,
  checkTensor,
  contracts,
  countNaN,
  type DType,
  decodeArray,
  decodeBits,
  decodeToFloat64,
  defineOp,
  dtypeBytes,
  dtypeInfo,
  encodeArray,
  encodeBits,
  encodeInt,
  encodeUe8m0,
  fail,
  fullTensor,
  GemmkitError,
  isDType,
  isFp8,
  isGemmkitError,
  isHalf,
  maxAbsDiff,
  nanTensor,
  poisonBytes,
  poisonFill,
  Random,
  randomTensor,
  roundArray,
  type Storage,
  Tensor,
  tensorFrom,
  tensorsIn,
  valueCount,
  valuesOf,
} from '../src/index.js';

function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof GemmkitError)) throw e;
    expect(e.message.startsWith(`${e.code}: `)).toBe(true);
    return `${e.code} ${e.arg}`;
  }
  return 'no error';
}

const t23 = tensorFrom('bf16', [2, 3], [1, 2, 3, 4, 5, 6]);

describe('errors.ts', () => {
  test('message names argument, expected and actual; cause is kept', () => {
    const cause = new Error('low level');
    const e = new GemmkitError('E_ALIGN', 'misaligned', {
      arg: 'op.x',
      expected: [16, 32n],
      actual: 3,
      cause,
    });
    expect(e.message).toBe('E_ALIGN: misaligned; argument: op.x; expected: [16, 32n]; actual: 3');
    expect(e.cause).toBe(cause);
    expect(e.name).toBe('GemmkitError');
    const circular: any = {};
    circular.self = circular;
    expect(new GemmkitError('E_RANGE', 'c', { actual: circular }).message).toContain('[object Object]');
    expect(new GemmkitError('E_RANGE', 'u', { actual: undefined }).message).toBe('E_RANGE: u');
    expect(new GemmkitError('E_RANGE', 's', { actual: Symbol('q') }).message).toContain('Symbol(q)');
    expect(() => fail('E_OOM', 'out')).toThrow(GemmkitError);
    expect(isGemmkitError(new GemmkitError('E_OOM', 'x'), 'E_OOM')).toBe(true);
    expect(isGemmkitError(new GemmkitError('E_OOM', 'x'), 'E_SHAPE')).toBe(false);
    expect(isGemmkitError(new Error('x'))).toBe(false);
  });
});

describe('dtype.ts', () => {
  test('info, predicates and unknown dtypes', () => {
    expect(dtypeBytes('i64')).toBe(8);
    expect(dtypeInfo('e2m1x2').valuesPerElement).toBe(2);
    expect(isDType('f32')).toBe(true);
    expect(isDType('f64')).toBe(false);
    expect(isDType('toString')).toBe(false);
    expect(isFp8('e5m2') && !isFp8('bf16')).toBe(true);
    expect(isHalf('bf16') && !isHalf('f32')).toBe(true);
    expect(thrown(() => dtypeInfo('f64' as DType))).toBe('E_DTYPE dtype');
  });
});

describe('check.ts', () => {
  test.each<[string, () => unknown, string]>([
    ['checkTensor null', () => checkTensor(null, 'op.a'), 'E_UNSUPPORTED op.a'],
    ['checkTensor number', () => checkTensor(3, 'op.a'), 'E_UNSUPPORTED op.a'],
    ['checkDtype', () => checkDtype(t23, 'op.a', ['f16']), 'E_DTYPE op.a'],
    ['checkRank number', () => checkRank(t23, 'op.a', 3), 'E_SHAPE op.a'],
    ['checkRank list', () => checkRank(t23, 'op.a', [1, 3]), 'E_SHAPE op.a'],
    ['checkShape rank', () => checkShape(t23, 'op.a', [2]), 'E_SHAPE op.a'],
    ['checkShape dim', () => checkShape(t23, 'op.a', [undefined, 4], ['m', 'k']), 'E_SHAPE op.a'],
    ['checkInnerContiguous', () => checkInnerContiguous(t23.transpose(), 'op.a'), 'E_LAYOUT op.a'],
    ['checkContiguous', () => checkContiguous(t23.narrow(1, 0, 2), 'op.a'), 'E_LAYOUT op.a'],
    ['checkOneOf', () => checkOneOf('x', 'op.mode', ['a', 'b']), 'E_UNSUPPORTED op.mode'],
    ['checkInt fractional', () => checkInt(1.5, 'op.n'), 'E_RANGE op.n'],
    ['checkInt range', () => checkInt(9, 'op.n', 0, 8), 'E_RANGE op.n'],
    ['checkInt type', () => checkInt('3', 'op.n'), 'E_RANGE op.n'],
  ])('%s', (_n, fn, want) => {
    expect(thrown(fn)).toBe(want);
  });

  test('passing checks do not throw', () => {
    checkTensor(t23, 'a');
    checkDtype(t23, 'a', ['bf16']);
    checkRank(t23, 'a', [2, 3]);
    checkShape(t23, 'a', [2, undefined]);
    checkInnerContiguous(t23.narrow(1, 0, 2), 'a');
    checkInnerContiguous(t23.narrow(0, 0, 1).transpose(), 'a'); // size-1 inner dim needs no stride 1
    checkContiguous(t23, 'a');
    checkOneOf('a', 'm', ['a']);
    checkInt(8, 'n', 0, 8);
  });
});

describe('op.ts', () => {
  test('tensorsIn finds tensors in nested args with their paths; defineOp freezes', () => {
    const x = tensorFrom('u8', [1], [1]);
    const found = tensorsIn({ a: x, list: [x, { deep: x }], n: 3, cls: new Date() });
    expect(found.map(([p]) => p)).toEqual(['a', 'list[0]', 'list[1].deep']);
    expect(tensorsIn(x, 'root')).toEqual([['root', x]]);
    const op = defineOp({ name: 'x', doc: '', validate: () => 1, flops: () => 0, bytes: () => 0 });
    expect(Object.isFrozen(op)).toBe(true);
  });

  test('bmmFp16 contract: plan, cost model and every validation error', () => {
    const c = contracts.bmmFp16;
    const a = Tensor.host('bf16', [2, 3, 4]);
    const b = Tensor.host('bf16', [2, 4, 5]);
    const plan = c.validate({
      a,
      b,
      outDtype: 'bf16',
      c: Tensor.host('bf16', [2, 3, 5]),
      out: Tensor.host('bf16', [2, 3, 5]),
    });
    expect(plan).toMatchObject({ batch: 2, m: 3, n: 5, k: 4, outShape: [2, 3, 5], hasC: true });
    expect(c.flops(plan)).toBe(2 * 2 * 3 * 5 * 4);
    expect(c.bytes(plan)).toBe(2 * 2 * (12 + 20 + 15 * 2));
    const v = (args: object) => thrown(() => c.validate({ a, b, outDtype: 'bf16', ...args } as never));
    expect(v({ a: 1 })).toBe('E_UNSUPPORTED bmmFp16.a');
    expect(v({ b: null })).toBe('E_UNSUPPORTED bmmFp16.b');
    expect(v({ a: Tensor.host('bf16', [3, 4]) })).toBe('E_SHAPE bmmFp16.a');
    expect(v({ a: Tensor.host('f32', [2, 3, 4]) })).toBe('E_DTYPE bmmFp16.a');
    expect(v({ b: Tensor.host('f16', [2, 4, 5]) })).toBe('E_DTYPE bmmFp16.b');
    expect(v({ b: Tensor.host('bf16', [2, 3, 5]) })).toBe('E_SHAPE bmmFp16.b');
    expect(v({ a: Tensor.host('bf16', [2, 4, 3]).transpose() })).toBe('E_LAYOUT bmmFp16.a');
    expect(v({ outDtype: 'f32' })).toBe('E_DTYPE bmmFp16.outDtype');
    expect(v({ c: 5 })).toBe('E_UNSUPPORTED bmmFp16.c');
    expect(v({ c: Tensor.host('bf16', [2, 3, 4]) })).toBe('E_SHAPE bmmFp16.c');
    expect(v({ c: Tensor.host('f16', [2, 3, 5]) })).toBe('E_DTYPE bmmFp16.c');
    expect(v({ out: Tensor.host('bf16', [2, 3, 4]) })).toBe('E_SHAPE bmmFp16.out');
    expect(v({ out: Tensor.host('f16', [2, 3, 5]) })).toBe('E_DTYPE bmmFp16.out');
  });
});

describe('codec.ts and dtypes/', () => {
  test.each<[string, () => unknown, string]>([
    ['decode unknown dtype', () => decodeArray('f64' as DType, new Uint8Array(8)), 'E_DTYPE dtype'],
    ['decode non-bytes', () => decodeArray('f32', new Float32Array(2) as never), 'E_UNSUPPORTED bytes'],
    ['decode null', () => decodeToFloat64('f32', null as never), 'E_UNSUPPORTED bytes'],
    ['decode ragged bytes', () => decodeArray('bf16', new Uint8Array(3)), 'E_SHAPE bytes'],
    ['valueCount unknown', () => valueCount('x' as DType, 1), 'E_DTYPE dtype'],
    ['encode unknown dtype', () => encodeArray('f8' as DType, [1]), 'E_DTYPE dtype'],
    ['encode non-array', () => encodeArray('f32', 3 as never), 'E_UNSUPPORTED values'],
    ['encode null', () => encodeArray('f32', null as never), 'E_UNSUPPORTED values'],
    ['e2m1x2 odd count', () => encodeArray('e2m1x2', [1, 2, 3]), 'E_SHAPE values'],
    ['e2m1x2 NaN (odd slot)', () => encodeArray('e2m1x2', [1, Number.NaN]), 'E_RANGE values[1]'],
    ['e2m1x2 NaN (even slot)', () => encodeArray('e2m1x2', [1, 2, Number.NaN, 1]), 'E_RANGE values[2]'],
    ['e2m1 scalar NaN', () => encodeBits('e2m1x2', Number.NaN), 'E_RANGE value'],
    ['ue8m0 negative (bulk)', () => encodeArray('ue8m0', [1, -1]), 'E_RANGE values[1]'],
    ['ue8m0 negative (scalar)', () => encodeUe8m0(-2), 'E_RANGE value'],
    ['ue8m0 bad mode', () => encodeUe8m0(2, 'down' as never), 'E_UNSUPPORTED round'],
    ['i8 out of range', () => encodeArray('i8', [0, 128]), 'E_RANGE values[1]'],
    ['u8 negative', () => encodeArray('u8', [-1]), 'E_RANGE values[0]'],
    ['i32 NaN', () => encodeArray('i32', [Number.NaN]), 'E_RANGE values[0]'],
    ['i64 inf', () => encodeArray('i64', [Number.POSITIVE_INFINITY]), 'E_RANGE values[0]'],
    ['i64 2^63', () => encodeArray('i64', [2 ** 63]), 'E_RANGE values[0]'],
    ['scalar int', () => encodeInt('u8', 256), 'E_RANGE value'],
    ['int from a non-number', () => encodeArray('i32', ['3' as never]), 'E_RANGE values[0]'],
    ['encodeBits unknown', () => encodeBits('q' as DType, 1), 'E_DTYPE dtype'],
    ['encodeBits i64', () => encodeBits('i64', 1), 'E_UNSUPPORTED dtype'],
    ['decodeBits unknown', () => decodeBits('q' as DType, 1), 'E_DTYPE dtype'],
    ['decodeBits i64', () => decodeBits('i64', 1), 'E_UNSUPPORTED dtype'],
    ['roundArray short out', () => roundArray('f16', [1, 2], {}, new Float64Array(1)), 'E_SHAPE out'],
    ['roundArray unknown', () => roundArray('z' as DType, [1]), 'E_DTYPE dtype'],
    ['roundArray null values', () => roundArray('f32', null as never), 'E_UNSUPPORTED values'],
    ['big-endian host guard', () => assertLittleEndian(false), 'E_UNSUPPORTED host'],
  ])('%s', (_n, fn, want) => {
    expect(thrown(fn)).toBe(want);
  });

  test('the little-endian guard passes on this host', () => {
    expect(() => assertLittleEndian()).not.toThrow();
  });
});

describe('random.ts', () => {
  const dead = tensorFrom('f32', [1], [1]);
  dead.dispose();
  const device: Storage = {
    device: 'gpu',
    byteLength: 4,
    disposed: false,
    read: async () => new Uint8Array(4),
    dispose: () => {},
  };
  test.each<[string, () => unknown, string]>([
    ['fractional seed', () => new Random(1.5), 'E_RANGE seed'],
    ['string seed', () => new Random('1' as never), 'E_RANGE seed'],
    ['empty int range', () => new Random(1).int(3, 3), 'E_RANGE low/high'],
    ['huge int range', () => new Random(1).int(0, 2 ** 60), 'E_RANGE low/high'],
    ['unknown dtype', () => randomTensor('f64' as DType, [2]), 'E_DTYPE dtype'],
    ['bad shape', () => randomTensor('f32', [2, -2]), 'E_SHAPE shape'],
    ['shape not array', () => randomTensor('f32', 4 as never), 'E_SHAPE shape'],
    ['bad dist', () => randomTensor('f32', [2], { dist: 'cauchy' as never }), 'E_UNSUPPORTED dist'],
    [
      'int bounds outside dtype',
      () => randomTensor('i8', [2], { dist: 'uniform', low: -200, high: 0 }),
      'E_RANGE low/high',
    ],
    [
      'int bounds fractional',
      () => randomTensor('u8', [2], { dist: 'uniform', low: 0.5, high: 3 }),
      'E_RANGE low/high',
    ],
    [
      'uniform low >= high',
      () => randomTensor('f32', [2], { dist: 'uniform', low: 1, high: 1 }),
      'E_RANGE low/high',
    ],
    [
      'uniform infinite',
      () => randomTensor('f32', [2], { dist: 'uniform', high: Number.POSITIVE_INFINITY }),
      'E_RANGE low/high',
    ],
    ['negative std', () => randomTensor('f32', [2], { std: -1 }), 'E_RANGE mean/std'],
    ['NaN mean', () => randomTensor('f32', [2], { mean: Number.NaN }), 'E_RANGE mean/std'],
    ['tensorFrom count', () => tensorFrom('f32', [2, 2], [1, 2, 3]), 'E_SHAPE values'],
    ['tensorFrom e2m1x2 count', () => tensorFrom('e2m1x2', [2], [1, 2]), 'E_SHAPE values'],
    ['tensorFrom null', () => tensorFrom('f32', [1], null as never), 'E_SHAPE values'],
    ['fullTensor unknown', () => fullTensor('x' as DType, [1], 0), 'E_DTYPE dtype'],
    ['nanTensor bad shape', () => nanTensor('f32', [0.5]), 'E_SHAPE shape'],
    ['poisonBytes unknown', () => poisonBytes('x' as DType), 'E_DTYPE dtype'],
    ['poisonFill device', () => poisonFill(new Tensor('f32', [1], device)), 'E_DEVICE tensor'],
    ['poisonFill disposed', () => poisonFill(dead), 'E_DISPOSED storage'],
  ])('%s', (_n, fn, want) => {
    expect(thrown(fn)).toBe(want);
  });
});

describe('numerics.ts', () => {
  const device: Storage = {
    device: 'gpu',
    byteLength: 8,
    disposed: false,
    read: async () => new Uint8Array(8),
    dispose: () => {},
  };
  test.each<[string, () => unknown, string]>([
    ['not numeric', () => calcDiff('abc' as never, [1]), 'E_UNSUPPORTED x'],
    ['null y', () => maxAbsDiff([1], null as never), 'E_UNSUPPORTED y'],
    ['typed array of the wrong kind', () => countNaN(new Int32Array(2) as never), 'E_UNSUPPORTED x'],
    ['length mismatch', () => calcDiff([1, 2], [1]), 'E_SHAPE y'],
    ['shape mismatch', () => calcDiff(Tensor.host('f32', [2, 3]), Tensor.host('f32', [3, 2])), 'E_SHAPE y'],
    ['device tensor', () => valuesOf(new Tensor('f32', [2], device)), 'E_DEVICE tensor'],
  ])('%s', (_n, fn, want) => {
    expect(thrown(fn)).toBe(want);
  });
});
