/** WGSL byte index of FP4 block scale (row r, block kb): linear `[rows, cols]` via `lin`, or 128x4 swizzled. */
export function fp4ScaleIndex(
  layout: 'linear' | 'swizzle128x4',
  off: string,
  cpad: string,
  r: string,
  kb: string,
  lin: (r: string, kb: string) => string,
): string {
  if (layout === 'linear') return lin(r, kb);
  return `(${off} + ((${r}) / 128u * (${cpad} / 4u) + (${kb}) / 4u) * 512u + ((${r}) % 32u) * 16u + (((${r}) % 128u) / 32u) * 4u + (${kb}) % 4u)`;
}
