// IDs the fake hands out (container, sandbox, exec IDs) are 64 lowercase hex characters, like
// containerd's util.GenerateID. A seeded generator makes runs reproducible.

/** Where container, sandbox and exec IDs come from: SeededIds or RandomIds. */
export interface IdGenerator {
  /** A fresh 64-hex-character ID. */
  next(): string;
}

const hexByte = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/**
 * Random IDs from the platform CSPRNG (Web Crypto exists on Node, Deno and Bun). Each call into
 * the CSPRNG costs microseconds whatever its size, so the bytes are drawn 128 IDs at a time.
 */
export class RandomIds implements IdGenerator {
  private readonly pool = new Uint8Array(32 * 128);
  private used = this.pool.length;

  next(): string {
    if (this.used === this.pool.length) {
      globalThis.crypto.getRandomValues(this.pool);
      this.used = 0;
    }
    let out = "";
    for (const end = this.used + 32; this.used < end; this.used++) out += hexByte[this.pool[this.used]!];
    return out;
  }
}

/** Reproducible IDs: splitmix64 seeded with `seed`; the same seed yields the same sequence. */
export class SeededIds implements IdGenerator {
  private state: bigint;

  constructor(seed: number | bigint) {
    this.state = BigInt.asUintN(64, BigInt(seed));
  }

  next(): string {
    let out = "";
    for (let i = 0; i < 4; i++) out += this.next64().toString(16).padStart(16, "0");
    return out;
  }

  /** Where the sequence stands: new SeededIds(position) continues it from here. */
  position(): bigint {
    return this.state;
  }

  private next64(): bigint {
    this.state = BigInt.asUintN(64, this.state + 0x9e3779b97f4a7c15n);
    let z = this.state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  }
}
