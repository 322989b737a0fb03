// Registry credentials from the plugin config, in the shape the CRI uses on the wire.

import type { AuthConfig } from "../api/v1.ts";

/** containerd's criconfig.AuthConfig (TOML keys username, password, auth, identitytoken). */
export interface CriAuthConfig {
  username: string;
  password: string;
  auth: string;
  identityToken: string;
}

export function toRuntimeAuthConfig(a: CriAuthConfig): AuthConfig {
  return {
    username: a.username,
    password: a.password,
    auth: a.auth,
    identityToken: a.identityToken,
    serverAddress: "",
    registryToken: "",
  };
}
