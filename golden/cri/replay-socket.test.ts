// The golden CRI transcripts replayed against the fake over its unix socket: every request and
// answer crosses the wire (gRPC, v1 and v1alpha2).

import { socketTarget } from "./fake-target.ts";
import { replayGoldenTranscripts } from "./replay-suite.ts";

replayGoldenTranscripts("the fake over its unix socket (gRPC)", socketTarget);
