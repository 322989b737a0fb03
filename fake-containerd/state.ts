// JSON forms for the values the fake's saved state holds: bytes become base64 and 64-bit numbers
// decimal strings, so a state survives JSON.stringify / JSON.parse unchanged.

import type { AnyValue } from "./events.ts";

export interface AnyState {
  typeUrl: string;
  /** base64 */
  value: string;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  // apply takes the typed array as it is; a spread would copy it into an argument list first.
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk) as unknown as number[]);
  }
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function anyToState(any: AnyValue): AnyState {
  return { typeUrl: any.typeUrl, value: bytesToBase64(any.value) };
}

export function anyFromState(state: AnyState): AnyValue {
  return { typeUrl: state.typeUrl, value: base64ToBytes(state.value) };
}
