// containerd's pkg/registrar: a one-to-one name <-> key reservation, as the CRI plugin keeps one for
// sandbox names and one for container names. A name stays reserved while its owner exists (and
// while the RPC creating it is still at work), which is what gives a retried RunPodSandbox or
// CreateContainer the "is reserved for" error.

import { quote } from "../../go/strconv.ts";

/** Reserve's refusals, with registrar's texts. `reserved`: the name or key is held by another. */
export class NameReservationError extends Error {
  readonly reserved: boolean;

  constructor(message: string, reserved = true) {
    super(message);
    this.name = "NameReservationError";
    this.reserved = reserved;
  }
}

export class NameRegistrar {
  private readonly nameToKey = new Map<string, string>();
  private readonly keyToName = new Map<string, string>();

  /**
   * Reserves `name` for `key`. Reserving the same pair again is fine; a name held by another key,
   * or a key holding another name, is refused.
   */
  reserve(name: string, key: string): void {
    if (name === "" || key === "") throw new NameReservationError(`invalid name ${quote(name)} or key ${quote(key)}`, false);
    const holder = this.nameToKey.get(name);
    if (holder !== undefined) {
      if (holder !== key) throw new NameReservationError(`name ${quote(name)} is reserved for ${quote(holder)}`);
      return;
    }
    const held = this.keyToName.get(key);
    if (held !== undefined) {
      if (held !== name) throw new NameReservationError(`key ${quote(key)} is reserved for ${quote(held)}`);
      return;
    }
    this.nameToKey.set(name, key);
    this.keyToName.set(key, name);
  }

  releaseByName(name: string): void {
    const key = this.nameToKey.get(name);
    if (key === undefined) return;
    this.nameToKey.delete(name);
    this.keyToName.delete(key);
  }

  releaseByKey(key: string): void {
    const name = this.keyToName.get(key);
    if (name === undefined) return;
    this.nameToKey.delete(name);
    this.keyToName.delete(key);
  }

  /** The key holding `name`, if any. */
  keyOf(name: string): string | undefined {
    return this.nameToKey.get(name);
  }

  get size(): number {
    return this.nameToKey.size;
  }
}
