import { describe, expect, test } from "vitest";
import { Signal } from "../api/v1.ts";
import { Code, CriError } from "../errors.ts";
import { criSignal, ociStopSignal } from "./stop-signals.ts";

describe("stop signals between the CRI enum and OCI names", () => {
  test("the enum as OCI names, the runtime default as none", () => {
    expect(ociStopSignal(Signal.SIGNAL_RUNTIME_DEFAULT)).toBe("");
    expect(ociStopSignal(Signal.SIGNAL_SIGUSR1)).toBe("SIGUSR1");
    expect(ociStopSignal(Signal.SIGNAL_SIGRTMINPLUS3)).toBe("SIGRTMIN+3");
    expect(ociStopSignal(Signal.SIGNAL_SIGRTMAXMINUS2)).toBe("SIGRTMAX-2");
  });

  test("a value the enum does not define is InvalidArgument, as 2.4.2 answers (golden/cri/2.4/container-config-stop-signal.json)", () => {
    const err = (() => {
      try {
        ociStopSignal(-1 as Signal);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CriError);
    expect(err).toMatchObject({ code: Code.InvalidArgument, message: "unknown CRI stop signal -1: invalid argument" });
  });

  test("OCI names back to the enum, with or without the SIGNAL_ prefix; others are the runtime default", () => {
    expect(criSignal("SIGRTMIN+3")).toBe(Signal.SIGNAL_SIGRTMINPLUS3);
    expect(criSignal("SIGNAL_SIGQUIT")).toBe(Signal.SIGNAL_SIGQUIT);
    expect(criSignal("SIGQUIT")).toBe(Signal.SIGNAL_SIGQUIT);
    expect(criSignal("15")).toBe(Signal.SIGNAL_RUNTIME_DEFAULT);
  });
});
