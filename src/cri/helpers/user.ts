// The user an image config asks for, as the CRI plugin reads it.

import { parseInt } from "../../go/strconv.ts";

export interface ImageUser {
  /** Set when the user part is a decimal int64: then it is a uid. */
  uid?: bigint;
  /** Set when the user part is not a number: then it is a user name. */
  name: string;
}

/** Splits off any `:group`, then treats the user part as a uid if it parses as one, else as a name. */
export function getUserFromImage(user: string): ImageUser {
  if (user === "") return { name: "" };
  const userPart = user.split(":")[0]!;
  try {
    return { uid: parseInt(userPart), name: "" };
  } catch {
    return { name: userPart };
  }
}
