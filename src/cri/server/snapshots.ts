// The snapshot usage the plugin keeps for ImageFsInfo (containerd 1.6.20 snapshots.go and
// store/snapshot): a syncer walks the configured snapshotter every stats_collect_period seconds,
// re-measuring active snapshots and new ones, stamping each with the sync time, and dropping those
// gone. Here the sync runs when the store is read and a period has passed since the last one (on the
// fake's clock, as of the tick it would have run at), so an idle fake runs no timers.

import { readClock } from "../../../fake-containerd/clock.ts";
import type { CriService } from "./service.ts";

export interface SnapshotUsage {
  key: string;
  kind: "view" | "active" | "committed";
  size: bigint;
  inodes: bigint;
  /** Unix nanoseconds of the sync that last saw it. */
  timestamp: bigint;
}

const nsPerSecond = 1_000_000_000n;

export class SnapshotStore {
  private readonly c: CriService;
  private readonly snapshots = new Map<string, SnapshotUsage>();
  /** When the syncer started (the first sync); undefined before the CRI service runs. */
  private startedAt: bigint | undefined;
  private lastSync: bigint | undefined;

  constructor(c: CriService) {
    this.c = c;
  }

  /** The syncer's start: the first sync happens now. */
  async start(): Promise<void> {
    this.startedAt = readClock(this.c.clock);
    await this.sync(this.startedAt);
  }

  /** The snapshots as of the latest sync the syncer would have run by now. */
  async list(): Promise<SnapshotUsage[]> {
    if (this.startedAt !== undefined) {
      const period = BigInt(Math.max(1, this.c.config.statsCollectPeriod)) * nsPerSecond;
      const now = readClock(this.c.clock);
      const tick = this.startedAt + ((now - this.startedAt) / period) * period;
      if (this.lastSync === undefined || tick > this.lastSync) await this.sync(tick);
    }
    return [...this.snapshots.values()].map((s) => ({ ...s }));
  }

  private async sync(at: bigint): Promise<void> {
    this.lastSync = at;
    const snapshotter = this.c.client.snapshots.get(this.c.config.containerd.snapshotter);
    const seen = new Set<string>();
    let infos;
    try {
      infos = await snapshotter.list();
    } catch {
      // containerd logs a failed walk ("walk all snapshots failed") and tries again next period.
      return;
    }
    for (const info of infos) {
      const known = this.snapshots.get(info.name);
      if (known && known.kind === info.kind && known.kind !== "active") {
        known.timestamp = at;
        seen.add(info.name);
        continue;
      }
      try {
        const usage = await snapshotter.usage(info.name);
        this.snapshots.set(info.name, { key: info.name, kind: info.kind, size: usage.size, inodes: usage.inodes, timestamp: at });
        seen.add(info.name);
      } catch {
        // containerd logs a snapshot it cannot measure and leaves it out of this sync.
      }
    }
    for (const key of this.snapshots.keys()) if (!seen.has(key)) this.snapshots.delete(key);
  }
}
