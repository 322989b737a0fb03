// A failing command sequence as a golden/cri scenario (scenario.ts there: the builder the
// transcripts are recorded from), ready to paste into golden/cri/scenarios/*.ts and record against
// the real containerd. IDs are references to earlier answers ($pod1.podSandboxId, $prefix(...),
// $append(...), $commonPrefix(...)), log directories live under $logRoot, and exits the command
// waited for are wait steps. Faults cannot be recorded: they become comments saying what happened.

export type ScenarioStep =
  | { kind: "call"; api: "v1" | "v1alpha2"; service: "runtime" | "image"; method: string; request: unknown; save?: string }
  | { kind: "wait"; service: "runtime"; method: string; request: unknown; until: { path: string; equals: string } }
  | { kind: "note"; text: string };

/** A TypeScript literal for a request: bigints as `123n`, keys unquoted where they can be. */
export function literal(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k));
    return `{ ${entries.map(([k, v]) => `${key(k)}: ${literal(v)}`).join(", ")} }`;
  }
  return JSON.stringify(value);
}

/** The scenario as code: `defineScenario(name, description, (s) => { ... })`. */
export function renderScenario(name: string, description: string, steps: readonly ScenarioStep[]): string {
  const lines = steps.map((step) => {
    switch (step.kind) {
      case "call": {
        const options = step.save === undefined ? "" : `, { save: ${JSON.stringify(step.save)} }`;
        return `s.${step.api === "v1" ? "" : "v1alpha2."}${step.service}.${step.method}(${literal(step.request)}${options});`;
      }
      case "wait":
        return `s.waitUntil.${step.service}.${step.method}(${literal(step.request)}, ${literal(step.until)});`;
      case "note":
        return `// in-process fault, not recordable: ${step.text}`;
    }
  });
  return [
    `defineScenario(${JSON.stringify(name)}, ${JSON.stringify(description)}, (s) => {`,
    ...lines.map((line) => `  ${line}`),
    "});",
  ].join("\n");
}
