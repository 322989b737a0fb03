// Replays golden/go/helpers.json: every helper of containerd v1.5.7's pkg/cri/server/helpers.go.
import { containerState, emptyContainerStatus } from "../../../src/cri/store/container-status.ts";
import { IdIndexStore } from "../../../src/cri/store/id-index-store.ts";
import { type CriImage, ImageStore } from "../../../src/cri/store/image-store.ts";
import { sandboxStateString } from "../../../src/cri/store/sandbox-status.ts";
import { wrap } from "../../../src/go/errors.ts";
import { parseDockerRef, parseNormalizedNamed } from "../../../src/go/reference.ts";
import { quote } from "../../../src/go/strconv.ts";
import * as helpers from "../../../src/cri/helpers/index.ts";
import { type GoString, goBytes, isRawBytes, outcomeOf, outcomeOfAsync, replayGolden } from "./golden.ts";

const str = (s: GoString) => (isRawBytes(s) ? goBytes(s) : s);
const text = (s: GoString) => {
  if (isRawBytes(s)) throw new Error("this helper only takes valid UTF-8 in TypeScript");
  return s;
};

interface StoreSpec {
  id: string;
  references: string[] | null;
}

function imageStoreFrom(spec: StoreSpec[]): ImageStore {
  return ImageStore.withImages(
    spec.map((s) => ({ id: s.id, references: s.references ?? [], chainId: "", size: 0n, imageSpec: {} })),
  );
}

const imageOut = (image: CriImage) => ({ id: image.id, references: image.references.length ? image.references : null });

/** The first step of containerd's PullImage; past it Go needs a real client, and the recorder skipped. */
const skipped = new Error("pull needs a containerd client");
async function pullUpToClient(request: { image?: { image: string } }): Promise<{ imageRef: string }> {
  const ref = request.image?.image ?? "";
  try {
    parseDockerRef(ref);
  } catch (err) {
    throw wrap(err, `failed to parse image reference ${quote(ref)}`);
  }
  throw skipped;
}

interface ContainerSpec {
  id: string;
  sandboxId: string;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  unknown: boolean;
}

replayGolden("helpers", {
  constants: () => ({
    out: {
      errorStartReason: helpers.errorStartReason,
      errorStartExitCode: helpers.errorStartExitCode,
      completeExitReason: helpers.completeExitReason,
      errorExitReason: helpers.errorExitReason,
      oomExitReason: helpers.oomExitReason,
      sandboxesDir: helpers.sandboxesDir,
      containersDir: helpers.containersDir,
      nameDelimiter: helpers.nameDelimiter,
      criContainerdPrefix: helpers.criContainerdPrefix,
      containerKindLabel: helpers.containerKindLabel,
      containerKindSandbox: helpers.containerKindSandbox,
      containerKindContainer: helpers.containerKindContainer,
      imageLabelKey: helpers.imageLabelKey,
      imageLabelValue: helpers.imageLabelValue,
      sandboxMetadataExtension: helpers.sandboxMetadataExtension,
      containerMetadataExtension: helpers.containerMetadataExtension,
      defaultIfName: helpers.defaultIfName,
      runtimeRunhcsV1: helpers.runtimeRunhcsV1,
      unknownExitCode: helpers.unknownExitCode,
      unknownExitReason: helpers.unknownExitReason,
    },
  }),
  makeSandboxName: (m) => outcomeOf(() => helpers.makeSandboxName(sandboxMeta(m))),
  makeContainerName: (i) =>
    outcomeOf(() => helpers.makeContainerName({ name: text(i.container.name), attempt: i.container.attempt }, sandboxMeta(i.sandbox))),
  getSandboxRootDir: (i) => ({ out: helpers.getSandboxRootDir(i, i.id) }),
  getVolatileSandboxRootDir: (i) => ({ out: helpers.getVolatileSandboxRootDir(i, i.id) }),
  getContainerRootDir: (i) => ({ out: helpers.getContainerRootDir(i, i.id) }),
  getVolatileContainerRootDir: (i) => ({ out: helpers.getVolatileContainerRootDir(i, i.id) }),
  criContainerStateToString: (s: number) => ({ out: helpers.criContainerStateToString(s) }),
  getRepoDigestAndTag: (i) =>
    outcomeOf(() => {
      const named = i.parser === "parseDockerRef" ? parseDockerRef(i.ref) : parseNormalizedNamed(i.ref);
      return helpers.getRepoDigestAndTag(named, i.digest, i.schema1);
    }),
  getUserFromImage: (u: GoString) =>
    outcomeOf(() => {
      const user = helpers.getUserFromImage(text(u));
      return { uid: user.uid === undefined ? null : user.uid.toString(), name: user.name };
    }),
  isInCRIMounts: (i) =>
    ({ out: helpers.isInCRIMounts(i.dst, (i.containerPaths ?? []).map((containerPath: string) => ({ containerPath }))) }),
  filterLabel: (i) => outcomeOf(() => helpers.filterLabel(str(i.key), str(i.value))),
  buildLabels: (i) => ({ out: helpers.buildLabels(i.configLabels ?? undefined, i.imageConfigLabels ?? undefined, i.containerType) }),
  toRuntimeAuthConfig: (i) =>
    ({ out: helpers.toRuntimeAuthConfig({ username: i.username, password: i.password, auth: i.auth, identityToken: i.identitytoken }) }),
  parseImageReferences: (refs: string[] | null) =>
    outcomeOf(() => {
      const { tags, digests } = helpers.parseImageReferences(refs ?? []);
      return { tags: tags.length ? tags : null, digests: digests.length ? digests : null };
    }),
  unknownContainerStatus: () => {
    const s = helpers.unknownContainerStatus();
    return {
      out: {
        createdAt: String(s.createdAt),
        startedAt: String(s.startedAt),
        finishedAt: String(s.finishedAt),
        exitCode: s.exitCode,
        reason: s.reason,
        message: s.message,
        unknown: s.unknown,
        removing: s.removing,
        state: helpers.criContainerStateToString(containerState(s)),
      },
    };
  },
  unknownSandboxStatus: () => {
    const s = helpers.unknownSandboxStatus();
    return {
      out: {
        state: sandboxStateString(s.state),
        pid: s.pid,
        createdAt: String(s.createdAt),
        createdAtIsZero: true,
      },
    };
  },
  getPassthroughAnnotations: (i) =>
    ({ out: helpers.getPassthroughAnnotations(i.podAnnotations ?? undefined, i.runtimePodAnnotations ?? undefined) }),
  imageStore: (spec: StoreSpec[]) =>
    outcomeOf(() => imageStoreFrom(spec).list().sort((a, b) => (a.id < b.id ? -1 : 1)).map(imageOut)),
  localResolve: (i) => {
    const store = imageStoreFrom(i.store);
    return {
      out: i.queries.map((q: string) => {
        const o = outcomeOf(() => imageOut(helpers.localResolve(store, q)));
        return "err" in o ? o : o.out;
      }),
    };
  },
  ensureImageExists: async (i) => {
    const store = imageStoreFrom(i.store);
    const results = [];
    for (const q of i.queries as string[]) {
      try {
        results.push(imageOut(await helpers.ensureImageExists(store, pullUpToClient, q)));
      } catch (err) {
        const cause = (err as Error).cause;
        results.push(cause === skipped ? { skipped: true } : { err: (err as Error).message });
      }
    }
    return { out: results };
  },
  toContainerdImage: (i) =>
    outcomeOfAsync(() => helpers.toContainerdImage({ id: i.id, references: i.references, chainId: "", size: 0n, imageSpec: {} }, async () => undefined)),
  validateTargetContainer: (i) => {
    const store = new IdIndexStore<helpers.TargetCandidate>();
    for (const c of (i.containers ?? []) as ContainerSpec[]) {
      const status = {
        ...emptyContainerStatus(),
        createdAt: BigInt(c.createdAt),
        startedAt: BigInt(c.startedAt),
        finishedAt: BigInt(c.finishedAt),
        unknown: c.unknown,
      };
      store.add({ id: c.id, sandboxId: c.sandboxId, status: () => status });
    }
    return {
      out: i.queries.map((q: { sandboxId: string; targetContainerId: string }) => {
        const o = outcomeOf(() => ({ id: helpers.validateTargetContainer(store, q.sandboxId, q.targetContainerId).id }));
        return "err" in o ? o : o.out;
      }),
    };
  },
});

function sandboxMeta(m: { name: GoString; namespace: GoString; uid: GoString; attempt: number }) {
  return { name: text(m.name), namespace: text(m.namespace), uid: text(m.uid), attempt: m.attempt };
}

