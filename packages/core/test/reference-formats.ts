/**
 * Test-only reference for the small float formats, written independently of src/dtypes: decode parses
 * the bit fields with string slicing and Math.pow, and rounding is a brute-force nearest search over
 * every finite code (ties → the code with an even last bit), with IEEE overflow decided from the distance
 * to the largest finite value.
 */
export interface RefFormat {
  bits: number;
  exp: number;
  man: number;
  bias: number;
  /** 'ieee': top exponent inf/NaN; 'fn': only all-ones NaN; 'none': all finite. */
  special: 'ieee' | 'fn' | 'none';
}

export const REF = {
  f16: { bits: 16, exp: 5, man: 10, bias: 15, special: 'ieee' },
  bf16: { bits: 16, exp: 8, man: 7, bias: 127, special: 'ieee' },
  e4m3: { bits: 8, exp: 4, man: 3, bias: 7, special: 'fn' },
  e5m2: { bits: 8, exp: 5, man: 2, bias: 15, special: 'ieee' },
  e2m1: { bits: 4, exp: 2, man: 1, bias: 1, special: 'none' },
} as const satisfies Record<string, RefFormat>;

export function refDecode(f: RefFormat, code: number): number {
  const s = code.toString(2).padStart(f.bits, '0');
  const sign = s[0] === '1' ? -1 : 1;
  const e = Number.parseInt(s.slice(1, 1 + f.exp), 2);
  const mStr = s.slice(1 + f.exp);
  const m = f.man ? Number.parseInt(mStr, 2) : 0;
  const allOnesE = e === 2 ** f.exp - 1;
  if (f.special === 'ieee' && allOnesE) return m === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  if (f.special === 'fn' && allOnesE && m === 2 ** f.man - 1) return Number.NaN;
  if (e === 0) return sign * 2 ** (1 - f.bias) * (m / 2 ** f.man);
  return sign * 2 ** (e - f.bias) * (1 + m / 2 ** f.man);
}

interface Table {
  vals: number[];
  codes: number[];
}
const tables = new Map<RefFormat, Table>();

/** Non-negative finite values with their codes, ascending. */
function positives(f: RefFormat): Table {
  let t = tables.get(f);
  if (!t) {
    const pairs: Array<[number, number]> = [];
    for (let c = 0; c < 2 ** (f.bits - 1); c++) {
      const v = refDecode(f, c);
      if (Number.isFinite(v)) pairs.push([v, c]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    t = { vals: pairs.map((p) => p[0]), codes: pairs.map((p) => p[1]) };
    tables.set(f, t);
  }
  return t;
}

/** Reference encode: 'overflow' when IEEE rounding exceeds the largest finite value. */
export function refEncode(f: RefFormat, x: number): number | 'overflow' | 'nan' {
  if (Number.isNaN(x)) return 'nan';
  const signBit = x < 0 || Object.is(x, -0) ? 2 ** (f.bits - 1) : 0;
  const a = Math.abs(x);
  const { vals, codes } = positives(f);
  const top = vals.length - 1;
  const max = vals[top];
  if (a >= max) {
    const halfUlp = (max - vals[top - 1]) / 2;
    if (a < max + halfUlp || (a === max + halfUlp && codes[top] % 2 === 0)) return signBit + codes[top];
    return 'overflow';
  }
  // Binary search for vals[lo] <= a < vals[lo + 1].
  let lo = 0;
  let hi = top;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (vals[mid] <= a) lo = mid;
    else hi = mid;
  }
  const dLo = a - vals[lo];
  const dHi = vals[hi] - a;
  const pick = dLo < dHi ? lo : dHi < dLo ? hi : codes[lo] % 2 === 0 ? lo : hi;
  return signBit + codes[pick];
}
