import { invoke } from "@tauri-apps/api/core";
import type { AppInfo } from "../bindings/AppInfo";
import { type Backend, BackendError, isCommandError } from "./types";

/** Signature of Tauri's `invoke`, injectable so tests need no Tauri runtime. */
export type Invoke = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;

/** The desktop window's backend: each method is one Tauri command of the same name. */
export class TauriBackend implements Backend {
  readonly kind = "tauri";

  constructor(private readonly invokeFn: Invoke = invoke) {}

  appInfo(): Promise<AppInfo> {
    return this.call<AppInfo>("app_info");
  }

  private async call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
    try {
      return await this.invokeFn<T>(command, args);
    } catch (err: unknown) {
      if (isCommandError(err)) throw new BackendError(err.code, err.message);
      throw new BackendError("ipc", `The desktop backend rejected ${command}: ${String(err)}`);
    }
  }
}
