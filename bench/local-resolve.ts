// localResolve over a store of 1,000 images, each named by a tag and a digest reference, queried by
// tag, familiar name, full ID, short ID and digest reference. The same inputs are timed in Go by
// golden/go/recorder/bench_helpers_test.go (`npm run golden:record:go -- --bench LocalResolve`).
//   npx tsx bench/local-resolve.ts
import { type CriImage, ImageStore } from "../src/cri/store/image-store.ts";
import { digestFromBytes } from "../src/go/digest.ts";
import { localResolve } from "../src/cri/helpers/images.ts";
import { measure, report } from "./measure.ts";

const encode = (s: string) => new TextEncoder().encode(s);
const images: CriImage[] = [];
const queries: string[] = [];
for (let i = 0; i < 1000; i++) {
  const id = digestFromBytes(encode(`image-${i}`));
  const manifest = digestFromBytes(encode(`manifest-${i}`));
  const tag = `docker.io/team${i % 7}/app-${i}:v${i % 5}`;
  const byDigest = `docker.io/team${i % 7}/app-${i}@${manifest}`;
  images.push({ id, references: [tag, byDigest], chainId: "", size: 0n, imageSpec: {} });
  if (i % 10 === 0) queries.push(tag, `team${i % 7}/app-${i}:v${i % 5}`, id, id.slice(7, 19), byDigest);
}
const store = ImageStore.withImages(images);

report(measure("BenchmarkLocalResolve", (i) => localResolve(store, queries[i % queries.length]!)));
