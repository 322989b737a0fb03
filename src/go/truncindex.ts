// containerd v1.5.7 pkg/cri/store/truncindex: IDs retrievable by any unique prefix. Go keeps them
// in a patricia trie; this is a radix tree that counts the IDs under each node, so a lookup costs
// the length of the prefix whatever the number of IDs, and an ambiguous prefix is known without
// walking its subtree. Iteration is in byte order of the UTF-8 encoding, as Go's trie walks.

export class EmptyPrefixError extends Error {
  override name = "EmptyPrefixError";
  constructor() {
    super("Prefix can't be empty");
  }
}

export class IllegalCharError extends Error {
  override name = "IllegalCharError";
  constructor() {
    super("illegal character: ' '");
  }
}

export class IdNotExistError extends Error {
  override name = "IdNotExistError";
  constructor() {
    super("ID does not exist");
  }
}

export class AmbiguousPrefixError extends Error {
  override name = "AmbiguousPrefixError";
  readonly prefix: string;
  constructor(prefix: string) {
    super(`Multiple IDs found with provided prefix: ${prefix}`);
    this.prefix = prefix;
  }
}

export class IdExistsError extends Error {
  override name = "IdExistsError";
  constructor(id: string) {
    super(`id already exists: '${id}'`);
  }
}

export class NoSuchIdError extends Error {
  override name = "NoSuchIdError";
  constructor(id: string) {
    super(`no such id: '${id}'`);
  }
}

interface TrieNode {
  /** The characters this node adds to its parent's path; empty only at the root. */
  label: string;
  /** The ID that ends exactly here, if any. */
  id: string | undefined;
  /** How many IDs end here or below. */
  count: number;
  /** Children keyed by the first UTF-16 unit of their label. */
  children: Map<number, TrieNode> | undefined;
}

export class TruncIndex {
  #root: TrieNode = { label: "", id: undefined, count: 0, children: undefined };

  /** Go's NewTruncIndex: IDs that cannot be added (duplicates, empty, with a space) are skipped silently. */
  constructor(ids: Iterable<string> = []) {
    for (const id of ids) {
      if (this.#canAdd(id)) this.#insert(id);
    }
  }

  add(id: string): void {
    if (id.includes(" ")) throw new IllegalCharError();
    if (id === "") throw new EmptyPrefixError();
    if (this.#find(id) !== undefined) throw new IdExistsError(id);
    this.#insert(id);
  }

  delete(id: string): void {
    const path = id === "" ? undefined : this.#pathTo(id);
    if (path === undefined) throw new NoSuchIdError(id);
    for (const node of path) node.count--;
    const target = path[path.length - 1]!;
    target.id = undefined;
    let rest = target;
    if (target.count === 0) {
      const parent = path[path.length - 2]!;
      parent.children!.delete(target.label.charCodeAt(0));
      rest = parent;
    }
    // A node that ends no ID and has a single child is folded into that child, keeping the tree
    // compressed; the root never folds, as it has no label to extend.
    if (rest !== this.#root && rest.id === undefined && rest.children?.size === 1) {
      const only: TrieNode = rest.children.values().next().value!;
      rest.label += only.label;
      rest.id = only.id;
      rest.children = only.children;
    }
  }

  /** The one ID that starts with `prefix`. */
  get(prefix: string): string {
    if (prefix === "") throw new EmptyPrefixError();
    let node = this.#root;
    let pos = 0;
    while (pos < prefix.length) {
      const child = node.children?.get(prefix.charCodeAt(pos));
      if (child === undefined) throw new IdNotExistError();
      const label = child.label;
      const n = Math.min(label.length, prefix.length - pos);
      for (let i = 1; i < n; i++) {
        if (label.charCodeAt(i) !== prefix.charCodeAt(pos + i)) throw new IdNotExistError();
      }
      node = child;
      pos += label.length;
    }
    if (node.count > 1) throw new AmbiguousPrefixError(prefix);
    while (node.id === undefined) node = node.children!.values().next().value!;
    return node.id;
  }

  /** Calls `handler` with every ID in byte order; the handler may change the index meanwhile. */
  iterate(handler: (id: string) => void): void {
    const ids: string[] = [];
    collect(this.#root, ids);
    for (const id of ids) handler(id);
  }

  #canAdd(id: string): boolean {
    return id !== "" && !id.includes(" ") && this.#find(id) === undefined;
  }

  #find(id: string): TrieNode | undefined {
    const path = this.#pathTo(id);
    return path?.[path.length - 1];
  }

  /** The nodes from the root to the one where `id` ends, or undefined if `id` is not stored. */
  #pathTo(id: string): TrieNode[] | undefined {
    const path = [this.#root];
    let node = this.#root;
    let pos = 0;
    while (pos < id.length) {
      const child = node.children?.get(id.charCodeAt(pos));
      if (child === undefined || !id.startsWith(child.label, pos)) return undefined;
      node = child;
      pos += child.label.length;
      path.push(node);
    }
    return node.id === id ? path : undefined;
  }

  #insert(id: string): void {
    let node = this.#root;
    node.count++;
    let pos = 0;
    while (pos < id.length) {
      const key = id.charCodeAt(pos);
      let child = node.children?.get(key);
      if (child === undefined) {
        (node.children ??= new Map()).set(key, { label: id.slice(pos), id, count: 1, children: undefined });
        return;
      }
      const common = commonPrefixLength(child.label, id, pos);
      if (common < child.label.length) {
        const split: TrieNode = {
          label: child.label.slice(0, common),
          id: undefined,
          count: child.count,
          children: new Map([[child.label.charCodeAt(common), child]]),
        };
        child.label = child.label.slice(common);
        node.children!.set(key, split);
        child = split;
      }
      child.count++;
      node = child;
      pos += common;
    }
    node.id = id;
  }
}

function commonPrefixLength(label: string, id: string, pos: number): number {
  const n = Math.min(label.length, id.length - pos);
  let i = 0;
  while (i < n && label.charCodeAt(i) === id.charCodeAt(pos + i)) i++;
  return i;
}

function collect(node: TrieNode, ids: string[]): void {
  if (node.id !== undefined) ids.push(node.id);
  if (node.children === undefined) return;
  const keys = [...node.children.keys()].sort((a, b) => utf8Rank(a) - utf8Rank(b));
  for (const key of keys) collect(node.children.get(key)!, ids);
}

// Orders UTF-16 units as the UTF-8 bytes they come from would sort: surrogates encode code points
// above U+FFFF, so they rank after U+E000..U+FFFF.
function utf8Rank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
