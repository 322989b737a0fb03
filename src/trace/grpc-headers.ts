// The gRPC-over-HTTP/2 header values the recording proxy reads and writes itself (PROTOCOL-HTTP2.md
// in grpc/grpc): `grpc-timeout` and the percent-encoding of `grpc-message`. Portable.

const timeoutUnits: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 };

/** A `grpc-timeout` value ("1999967u", "2S") in milliseconds, or undefined when absent or malformed. */
export function grpcTimeoutMs(value: string | string[] | undefined): number | undefined {
  const match = typeof value === "string" ? /^(\d{1,8})([HMSmun])$/.exec(value) : null;
  return match ? Number(match[1]) * timeoutUnits[match[2]!]! : undefined;
}

/** Percent-encodes the octets of a status message that gRPC does not carry as they are (outside space..~, and %). */
export function encodeGrpcMessage(message: string): string {
  let out = "";
  for (const octet of new TextEncoder().encode(message)) {
    out += octet >= 0x20 && octet <= 0x7e && octet !== 0x25 ? String.fromCharCode(octet) : `%${octet.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The status message a `grpc-message` value carries; a malformed escape is kept as it is, as grpc-go does. */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes("%")) return value;
  const octets: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const escaped = value[i] === "%" && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3));
    if (escaped) {
      octets.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      octets.push(...new TextEncoder().encode(value[i]!));
    }
  }
  return new TextDecoder().decode(new Uint8Array(octets));
}
