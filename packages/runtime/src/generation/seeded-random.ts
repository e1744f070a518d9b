/**
 * A seeded pseudo-random generator: splitmix32 seeding into xoshiro128** (Blackman and Vigna).
 * Same seed, same sequence, on every platform; used for reproducible sampling.
 */
export class SeededRandom {
  private readonly state = new Uint32Array(4);

  /** @param seed any integer; different seeds give unrelated sequences */
  constructor(seed: number) {
    let value = seed >>> 0;
    for (let index = 0; index < 4; index += 1) {
      value = (value + 0x9e3779b9) >>> 0;
      let mixed = value;
      mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
      mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
      this.state[index] = (mixed ^ (mixed >>> 16)) >>> 0;
    }
    if (this.state.every((word) => word === 0)) this.state[0] = 1;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const state = this.state;
    const s1 = state[1] as number;
    const result = Math.imul(rotateLeft(Math.imul(s1, 5), 7), 9) >>> 0;
    const shifted = (s1 << 9) >>> 0;
    state[2] = (state[2] as number) ^ (state[0] as number);
    state[3] = (state[3] as number) ^ s1;
    state[1] = s1 ^ (state[2] as number);
    state[0] = (state[0] as number) ^ (state[3] as number);
    state[2] = (state[2] as number) ^ shifted;
    state[3] = rotateLeft(state[3] as number, 11);
    return result;
  }

  /** A float uniform in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }
}

function rotateLeft(value: number, bits: number): number {
  return ((value << bits) | (value >>> (32 - bits))) >>> 0;
}
