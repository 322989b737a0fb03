// containerd's rules for object names (its identifiers package) and label sizes (its labels
// package), with the same error text. Lengths are counted in UTF-8 bytes, as Go's len() does.

import { quote } from "../src/go/strconv.ts";
import { invalidArgument } from "./errdefs.ts";

const maxIdentifierBytes = 76;
const maxLabelBytes = 4096;
const identifierPattern = /^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$/;
/** The pattern as Go prints its regexp, which the error message includes. */
const identifierPatternText = "^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** identifiers.Validate: throws an invalid-argument error unless `s` is a valid identifier. */
export function validateIdentifier(s: string): void {
  if (s.length === 0) throw invalidArgument("identifier must not be empty");
  // The pattern admits only ASCII, whose UTF-8 length is its length: the common case counts nothing.
  const matches = identifierPattern.test(s);
  if ((matches ? s.length : utf8Length(s)) > maxIdentifierBytes) {
    throw invalidArgument(`identifier ${quote(s)} greater than maximum length (${maxIdentifierBytes} characters)`);
  }
  if (!matches) {
    throw invalidArgument(`identifier ${quote(s)} must match ${identifierPatternText}`);
  }
}

/** labels.Validate: a label's key and value together may not exceed 4096 bytes. */
export function validateLabel(key: string, value: string): void {
  // No UTF-16 unit takes more than 3 bytes in UTF-8, so short labels need no counting.
  if ((key.length + value.length) * 3 <= maxLabelBytes) return;
  if (utf8Length(key) + utf8Length(value) <= maxLabelBytes) return;
  // Go cuts the key at 10 bytes, which can split a character; decoding shows that as U+FFFD.
  const shownKey = utf8Length(key) > 10 ? decoder.decode(encoder.encode(key).subarray(0, 10)) : key;
  throw invalidArgument(`label key and value greater than maximum size (${maxLabelBytes} bytes), key: ${shownKey}`);
}
