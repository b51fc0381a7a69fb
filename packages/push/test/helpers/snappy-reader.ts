/**
 * A snappy block-format decompressor written for the tests from the format description
 * (https://github.com/google/snappy/blob/main/format_description.txt), independent of snappyjs.
 */
export function snappyBlockDecompress(input: Uint8Array): Uint8Array {
  let pos = 0;
  let length = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const b = input[pos++];
    length |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
  }
  const out = new Uint8Array(length);
  let o = 0;
  while (pos < input.length) {
    const tag = input[pos++];
    const type = tag & 3;
    if (type === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        len = 0;
        for (let i = 0; i < extra; i++) len |= input[pos++] << (8 * i);
      }
      len += 1;
      out.set(input.subarray(pos, pos + len), o);
      pos += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[pos++];
    } else if (type === 2) {
      len = (tag >>> 2) + 1;
      offset = input[pos] | (input[pos + 1] << 8);
      pos += 2;
    } else {
      len = (tag >>> 2) + 1;
      offset = input[pos] | (input[pos + 1] << 8) | (input[pos + 2] << 16) | (input[pos + 3] << 24);
      pos += 4;
    }
    if (offset === 0 || offset > o) throw new Error('snappy: bad copy offset');
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset];
  }
  if (o !== length) throw new Error(`snappy: length mismatch ${o} != ${length}`);
  return out;
}
