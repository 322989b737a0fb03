// The golden CRI transcripts replayed against the fake in-process: its typed in-process clients.

import { inProcessTarget } from "./fake-target.ts";
import { replayGoldenTranscripts } from "./replay-suite.ts";

replayGoldenTranscripts("the fake in-process", inProcessTarget);
