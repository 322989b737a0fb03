#!/usr/bin/env bash
# Checks fake-cri as its users get it: packs it as npm publishes it (prepack builds dist/), installs
# the tarball into a fresh project, and there runs the examples of README.md on Node, Deno
# (npm: specifiers) and Bun and type-checks a TypeScript consumer of every entry point; then checks
# the TypeScript sources as Deno takes them: `deno publish --dry-run` (JSR) and the Deno example
# against this checkout linked by deno.json, as a Deno user without a registry would run it. Deno
# type-checks what it runs, as `deno test` does by default.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/node_modules/.bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/fake-cri-package-XXXXXX")
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT

step() { printf '\n== %s\n' "$*"; }

# A fenced block of README.md whose info string names the file (```ts deno.test.ts).
example() {
  local text
  text=$(awk -v name="$1" '
    on && /^```$/ { exit }
    on { print }
    $0 ~ "^```[a-z]+ " name "$" { on = 1 }
  ' "$root/README.md")
  [[ -n "$text" ]] || { echo "README.md has no example named $1" >&2; exit 1; }
  printf '%s\n' "$text"
}

step "versions agree: package.json and deno.json"
node -e '
  const pkg = require(process.argv[1] + "/package.json"), deno = require(process.argv[1] + "/deno.json");
  if (pkg.version !== deno.version) throw new Error(`package.json ${pkg.version} != deno.json ${deno.version}`);
  console.log(pkg.version);
' "$root"

step "npm pack"
(cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball=$(echo "$work"/fake-cri-*.tgz)
tar -tzf "$tarball" | awk '/\.test\.ts$/ { bad = 1; print "packed a test file: " $0 } END { exit bad }'
echo "$(basename "$tarball"): $(du -k "$tarball" | cut -f1) KiB"

step "the tarball has the license, the .proto files and every document the packed documents link to"
packed=$(tar -tzf "$tarball" | sed 's#^package/##')
wanted=$( (echo LICENSE; echo proto/runtime/v1/api.proto; echo proto/runtime/v1alpha2/api.proto
  for doc in README.md CHANGELOG.md docs/*.md; do
    grep -o '](\([^)#:]*\))' "$root/$doc" | sed 's/^](//; s/)$//' | while read -r link; do
      (cd "$root/$(dirname "$doc")" && realpath --relative-to="$root" "$link")
    done
  done) | sort -u)
missing=$(comm -23 <(printf '%s\n' "$wanted") <(printf '%s\n' "$packed" | sort -u))
[[ -z "$missing" ]] || { printf 'not in the tarball:\n%s\n' "$missing"; exit 1; }
printf '%s\n' "$wanted" | tr '\n' ' '; echo

step "install the tarball into a fresh project"
app="$work/app"
mkdir "$app"
printf '{ "name": "consumer", "private": true, "type": "module" }\n' >"$app/package.json"
(cd "$app" && npm install --no-audit --no-fund --prefer-offline --loglevel=error "$tarball")

step "Node: node --test (README.md)"
example node.test.mjs >"$app/node.test.mjs"
(cd "$app" && node --test node.test.mjs)

step "Node: the fake-cri command of the installed package (its build, no tsx)"
(cd "$app" && npx --no-install fake-cri --help | head -1)
version=$(node -p 'require(process.argv[1] + "/package.json").version' "$root")
[[ "$(cd "$app" && npx --no-install fake-cri --version)" == "fake-cri $version" ]] || { echo "fake-cri --version is not fake-cri $version"; exit 1; }
echo "fake-cri --version: fake-cri $version"

step "Node: a plain @grpc/grpc-js client of the packed .proto files against fake-cri serve (README.md)"
(cd "$app" && npm install --no-audit --no-fund --prefer-offline --loglevel=error @grpc/grpc-js @grpc/proto-loader)
example grpc-client.mjs >"$app/grpc-client.mjs"
(cd "$app" && exec node node_modules/fake-cri/bin/fake-cri.js serve --listen "unix://$work/serve.sock" >"$work/serve.out" 2>"$work/serve.err") &
serving=$!
for _ in $(seq 100); do [[ -s "$work/serve.out" ]] && break; sleep 0.1; done
answer=$(cd "$app" && node grpc-client.mjs "$(head -1 "$work/serve.out")")
kill "$serving"; wait "$serving" || true
[[ "$answer" == "containerd v2.4.2 (CRI v1)" ]] || { echo "grpc-client.mjs printed: $answer"; cat "$work/serve.err"; exit 1; }
echo "$answer"

step "Node: fake-cri record in front of fake-cri serve, replay, and the test replay --as-test writes, run by vitest"
fake_cri="$app/node_modules/.bin/fake-cri"
# The endpoint line a command prints first.
endpoint_of() {
  for _ in $(seq 1 100); do [[ -s "$1" ]] && { head -1 "$1"; return; }; sleep 0.1; done
  echo "no endpoint in $1" >&2
  return 1
}
"$fake_cri" serve --listen "unix://$work/fake.sock" >"$work/upstream.out" 2>"$work/upstream.err" &
pids+=($!)
upstream=$(endpoint_of "$work/upstream.out")
"$fake_cri" record --upstream "$upstream" --listen "unix://$work/proxy.sock" --out "$app/session.json" >"$work/record.out" 2>"$work/record.err" &
record_pid=$!
pids+=("$record_pid")
cat >"$app/session.mjs" <<'EOF'
import { connectCri } from "fake-cri/grpc";

const cri = connectCri(process.argv[2]);
await cri.runtime.version({});
const { podSandboxId } = await cri.runtime.runPodSandbox({ config: { metadata: { name: "web", namespace: "default", uid: "1" } } });
await cri.runtime.podSandboxStatus({ podSandboxId });
await cri.runtime.stopPodSandbox({ podSandboxId });
cri.close();
EOF
(cd "$app" && node session.mjs "$(endpoint_of "$work/record.out")")
kill -TERM "$record_pid"
wait "$record_pid"
cat "$work/record.err"
(cd "$app" && "$fake_cri" replay session.json && "$fake_cri" replay session.json --as-test session.test.ts)
ln -s "$root/node_modules/vitest" "$app/node_modules/vitest"
(cd "$app" && "$bin/vitest" run session.test.ts)

step "Node: a TypeScript consumer type-checks against the exported declarations"
cat >"$app/consumer.ts" <<'EOF'
import { createFakeCri, type FakeCri, type FakeCriState } from "fake-cri";
import { ContainerState } from "fake-cri/api/v1";
import { VersionRequest } from "fake-cri/api/v1alpha2";
import { Code, CriError } from "fake-cri/errors";
import { createFakeContainerd, VirtualClock } from "fake-cri/fake-containerd";
import { connectCri, type CriServer } from "fake-cri/grpc";
import { parseTrace, replayTrace, type TraceReplayResult } from "fake-cri/trace";

const fake: FakeCri = await createFakeCri({ containerd: createFakeContainerd({ clock: new VirtualClock() }) });
const server: CriServer = await fake.serve();
const alpha = connectCri(server.endpoint, "v1alpha2");
const apiVersion: string = (await alpha.runtime.version(VersionRequest.fromPartial({ version: "v1alpha2" }))).runtimeApiVersion;
const saved: FakeCriState = fake.saveState();
const running: ContainerState = ContainerState.CONTAINER_RUNNING;
const notFound: CriError = new CriError(Code.NotFound, "not found");
const replay = (text: string): Promise<TraceReplayResult> => replayTrace(parseTrace(text, "trace.json"));
export { apiVersion, notFound, replay, running, saved };
EOF
node "$root/node_modules/typescript/bin/tsc" --noEmit --strict --skipLibCheck false --target es2022 \
  --module nodenext --moduleResolution nodenext --types node --typeRoots "$root/node_modules/@types" "$app/consumer.ts"
echo "consumer.ts: no type errors"

# deno test in a directory. Deno 2.9.6 once died of a segmentation fault while type-checking here
# (CI under load; eleven reruns passed): a run killed by a signal is run once more, and says so. A
# failing test fails at once.
deno_test() {
  local status=0
  (cd "$1" && "$bin/deno" test --allow-all deno.test.ts) || status=$?
  if [ "$status" -gt 128 ]; then
    echo "deno was killed by signal $((status - 128)); running it once more"
    (cd "$1" && "$bin/deno" test --allow-all deno.test.ts)
  elif [ "$status" -ne 0 ]; then
    return "$status"
  fi
}

step "Deno: deno test with npm: specifiers (README.md)"
example deno.test.ts >"$app/deno.test.ts"
deno_test "$app"

step "Bun: bun test (README.md)"
example bun.test.ts >"$app/bun.test.ts"
(cd "$app" && "$bin/bun" test ./bun.test.ts)

step "Node: a checkout, built (npm run build, done by npm pack above), imported by name (README.md)"
linked="$work/linked"
mkdir "$linked"
printf '{ "name": "linked", "private": true, "type": "module" }\n' >"$linked/package.json"
(cd "$linked" && npm install --no-audit --no-fund --prefer-offline --loglevel=error "$root")
(cd "$linked" && node --input-type=module -e 'const { createFakeCri } = await import("fake-cri"); const fake = await createFakeCri(); console.log((await fake.runtime.version({})).runtimeName); await fake.close();')

step "Deno/JSR: deno publish --dry-run (deno.json: name, version, exports, imports, publish)"
if ! published=$(cd "$root" && "$bin/deno" publish --dry-run --allow-dirty 2>&1); then
  printf '%s\n' "$published"
  exit 1
fi
if grep -qi 'warning' <<<"$published"; then
  printf '%s\n' "$published"
  echo "deno publish --dry-run warned"
  exit 1
fi
printf '%s\n' "$published" | tail -n 1

step "Deno: the checkout linked by deno.json, imported by name (README.md)"
link="$work/deno-link"
mkdir "$link"
example deno.json | sed "s#\"\\.\\./fake-cri\"#\"$root\"#" >"$link/deno.json"
example deno.test.ts | sed 's#"npm:fake-cri#"fake-cri#' >"$link/deno.test.ts"
deno_test "$link"

printf '\npackage check: ok\n'
