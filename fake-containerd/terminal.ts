// The terminal runc gives a process created with `terminal: true`: a pseudo-terminal whose line
// discipline has Linux's defaults for a new pty (n_tty: ICRNL, OPOST|ONLCR, ISIG, ICANON, ECHO,
// ECHOE, ECHOK, ECHOCTL, ECHOKE, IEXTEN). What the client types is echoed back, a carriage return
// reads as a newline, and the process reads it a line at a time, edited as typed: DEL erases a
// character, ^W a word, ^U the line, ^D at the start of a line is end of file, ^C, ^\ and ^Z
// signal the process. What the process writes reaches the client with each newline as CR LF.
// The window size is kept; a change of it sends SIGWINCH.

export interface TerminalSize {
  width: number;
  height: number;
}

/** Where the line discipline sends what it makes of the input. */
export interface TerminalLinks {
  /** A line (or, at ^D, what was typed of one) for the process to read. */
  deliver(line: Uint8Array): void;
  /** ^D at the start of a line: the process reads end of file. */
  endOfFile(): void;
  /** The echo, for the client. */
  echo(bytes: Uint8Array): void;
  /** ^C, ^\ or ^Z, and SIGWINCH when the size changes. */
  signal(signal: number): void;
}

const ctrlC = 0x03;
const ctrlD = 0x04;
const ctrlU = 0x15;
const ctrlW = 0x17;
const ctrlBackslash = 0x1c;
const ctrlZ = 0x1a;
const del = 0x7f;
const cr = 0x0d;
const lf = 0x0a;
const tab = 0x09;

const sigint = 2;
const sigquit = 3;
const sigtstp = 20;
const sigwinch = 28;

const signalKeys = new Map([
  [ctrlC, sigint],
  [ctrlBackslash, sigquit],
  [ctrlZ, sigtstp],
]);

export class Terminal {
  private readonly links: TerminalLinks;
  /** The line being typed (canonical mode delivers it on a newline). */
  private line: number[] = [];
  private currentSize: TerminalSize | undefined;

  constructor(links: TerminalLinks, size?: TerminalSize) {
    this.links = links;
    this.currentSize = size;
  }

  get size(): TerminalSize | undefined {
    return this.currentSize;
  }

  /** Bytes the client typed. */
  input(bytes: Uint8Array): void {
    for (const byte of bytes) this.key(byte === cr ? lf : byte);
  }

  /** What the process wrote, as the client receives it (ONLCR). */
  output(bytes: Uint8Array): Uint8Array {
    let newlines = 0;
    for (const byte of bytes) if (byte === lf) newlines++;
    if (newlines === 0) return bytes;
    const out = new Uint8Array(bytes.length + newlines);
    let at = 0;
    for (const byte of bytes) {
      if (byte === lf) out[at++] = cr;
      out[at++] = byte;
    }
    return out;
  }

  /** TIOCSWINSZ: keeps the size; a change signals the process. */
  resize(size: TerminalSize): void {
    const changed = this.currentSize?.width !== size.width || this.currentSize?.height !== size.height;
    this.currentSize = { ...size };
    if (changed) this.links.signal(sigwinch);
  }

  private key(byte: number): void {
    const signal = signalKeys.get(byte);
    if (signal !== undefined) {
      this.line = [];
      this.echoBytes([0x5e, byte + 0x40]);
      this.links.signal(signal);
      return;
    }
    switch (byte) {
      case ctrlD:
        if (this.line.length === 0) this.links.endOfFile();
        else this.deliverLine();
        return;
      case del:
        if (this.line.length > 0) this.eraseLast();
        return;
      case ctrlW:
        while (this.line.length > 0 && isBlank(this.line[this.line.length - 1]!)) this.eraseLast();
        while (this.line.length > 0 && !isBlank(this.line[this.line.length - 1]!)) this.eraseLast();
        return;
      case ctrlU:
        while (this.line.length > 0) this.eraseLast();
        return;
      case lf:
        this.line.push(lf);
        this.echoBytes([cr, lf]);
        this.deliverLine();
        return;
      default:
        this.line.push(byte);
        this.echoBytes(isControl(byte) ? [0x5e, byte ^ 0x40] : [byte]);
    }
  }

  private eraseLast(): void {
    const byte = this.line.pop()!;
    // A control character was echoed as two columns (^X).
    const columns = isControl(byte) ? 2 : 1;
    this.echoBytes(Array.from({ length: columns }, () => [0x08, 0x20, 0x08]).flat());
  }

  private deliverLine(): void {
    const line = Uint8Array.from(this.line);
    this.line = [];
    this.links.deliver(line);
  }

  private echoBytes(bytes: number[]): void {
    this.links.echo(Uint8Array.from(bytes));
  }
}

/** ECHOCTL echoes control characters other than tab and newline as ^X. */
function isControl(byte: number): boolean {
  return (byte < 0x20 && byte !== tab && byte !== lf) || byte === del;
}

function isBlank(byte: number): boolean {
  return byte === 0x20 || byte === tab;
}
