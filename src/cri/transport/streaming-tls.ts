// The certificate containerd's stream server makes itself when enable_tls_streaming is set without
// a key pair (pkg/cri/server streaming.go newTLSCert, with client-go's
// GenerateSelfSignedCertKey): a CA named "<hostname>-ca@<unix time>" and a server certificate it
// signs, "<hostname>@<unix time>", for the hostname and every address of the node (each also as a
// DNS name), RSA 2048, valid from an hour ago for a year; the server presents the chain. node:crypto
// makes the keys and signatures; the DER around them is written here. Libraries that build
// certificates (selfsigned, @peculiar/x509) bring a dozen packages for this one start-up step.
// Node-only.

import { generateKeyPair, sign, type KeyObject } from "node:crypto";
import { hostname, networkInterfaces } from "node:os";
import { isIPv4 } from "node:net";
import { concatBytes } from "../../node/bytes.ts";

export interface KeyPair {
  /** PEM: the server certificate, then the CA's. */
  cert: string;
  /** PEM (PKCS #1). */
  key: string;
}

export async function selfSignedCertificate(now = new Date()): Promise<KeyPair> {
  const host = hostname();
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .map((a) => a.address);
  const [ca, server] = await Promise.all([rsaKey(), rsaKey()]);
  const notBefore = new Date(now.getTime() - 3600_000);
  const notAfter = new Date(notBefore.getTime() + 365 * 24 * 3600_000);
  const unix = Math.floor(now.getTime() / 1000);
  const caName = name(`${host}-ca@${unix}`);
  const caCert = certificate({
    serial: 1,
    issuer: caName,
    subject: caName,
    notBefore,
    notAfter,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    extensions: [keyUsage(keyEncipherment | digitalSignature | keyCertSign), basicConstraints(true)],
  });
  const serverCert = certificate({
    serial: 2,
    issuer: caName,
    subject: name(`${host}@${unix}`),
    notBefore,
    notAfter,
    publicKey: server.publicKey,
    signer: ca.privateKey,
    extensions: [
      keyUsage(keyEncipherment | digitalSignature),
      extendedKeyUsage(serverAuthOid),
      basicConstraints(false),
      subjectAltNames([host, ...addresses], addresses),
    ],
  });
  return {
    cert: pem("CERTIFICATE", serverCert) + pem("CERTIFICATE", caCert),
    key: server.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
  };
}

function rsaKey(): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return new Promise((resolve, reject) =>
    generateKeyPair("rsa", { modulusLength: 2048 }, (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey }))),
  );
}

// ---- DER ----

function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concatBytes([Uint8Array.from([tag, ...length]), content]);
}

const sequence = (...items: Uint8Array[]) => tlv(0x30, concatBytes(items));
const set = (...items: Uint8Array[]) => tlv(0x31, concatBytes(items));
const octetString = (content: Uint8Array) => tlv(0x04, content);
const utf8String = (text: string) => tlv(0x0c, new TextEncoder().encode(text));
const explicit = (n: number, content: Uint8Array) => tlv(0xa0 | n, content);
const boolean = (value: boolean) => tlv(0x01, Uint8Array.of(value ? 0xff : 0));
const nullValue = () => tlv(0x05, new Uint8Array(0));

function integer(value: number): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, Uint8Array.from(bytes));
}

function oid(dotted: string): Uint8Array {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [a! * 40 + b!];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) groups.unshift((v & 0x7f) | 0x80);
    out.push(...groups);
  }
  return tlv(0x06, Uint8Array.from(out));
}

function bitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  return tlv(0x03, concatBytes([Uint8Array.of(unusedBits), bytes]));
}

/** UTCTime until 2049, GeneralizedTime after, as RFC 5280 says and Go writes. */
function time(date: Date): Uint8Array {
  const iso = date.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return date.getUTCFullYear() < 2050 ? tlv(0x17, new TextEncoder().encode(`${iso.slice(2)}Z`)) : tlv(0x18, new TextEncoder().encode(`${iso}Z`));
}

const commonNameOid = "2.5.4.3";
const sha256WithRsaOid = "1.2.840.113549.1.1.11";

function name(commonName: string): Uint8Array {
  return sequence(set(sequence(oid(commonNameOid), utf8String(commonName))));
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

const digitalSignature = 0x80;
const keyEncipherment = 0x20;
const keyCertSign = 0x04;

function keyUsage(bits: number): Uint8Array {
  let unused = 0;
  while (unused < 7 && (bits & (1 << unused)) === 0) unused++;
  return extension("2.5.29.15", true, bitString(Uint8Array.of(bits), unused));
}

const serverAuthOid = "1.3.6.1.5.5.7.3.1";

function extendedKeyUsage(purpose: string): Uint8Array {
  return extension("2.5.29.37", false, sequence(oid(purpose)));
}

function basicConstraints(ca: boolean): Uint8Array {
  return extension("2.5.29.19", true, ca ? sequence(boolean(true)) : sequence());
}

function subjectAltNames(dnsNames: string[], ips: string[]): Uint8Array {
  const names = [
    ...dnsNames.map((n) => tlv(0x82, new TextEncoder().encode(n))),
    ...ips.map((ip) => tlv(0x87, ipBytes(ip))),
  ];
  return extension("2.5.29.17", false, sequence(...names));
}

function ipBytes(ip: string): Uint8Array {
  if (isIPv4(ip)) return Uint8Array.from(ip.split(".").map(Number));
  const [head, tail = ""] = ip.split("%")[0]!.split("::") as [string, string?];
  const groups = (part: string) => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const front = groups(head);
  const back = ip.includes("::") ? groups(tail) : [];
  const all = [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
  return Uint8Array.from(all.flatMap((g) => [g >> 8, g & 0xff]));
}

function certificate(c: {
  serial: number;
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  signer: KeyObject;
  extensions: Uint8Array[];
}): Uint8Array {
  const algorithm = sequence(oid(sha256WithRsaOid), nullValue());
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(c.serial),
    algorithm,
    c.issuer,
    sequence(time(c.notBefore), time(c.notAfter)),
    c.subject,
    new Uint8Array(c.publicKey.export({ type: "spki", format: "der" })),
    explicit(3, sequence(...c.extensions)),
  );
  return sequence(tbs, algorithm, bitString(new Uint8Array(sign("sha256", tbs, c.signer))));
}

function pem(label: string, der: Uint8Array): string {
  const body = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}
