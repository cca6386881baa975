import { describe, expect, it } from "vitest";
import type { AppInfo } from "../bindings/AppInfo";
import { BackendError, detectBackendKind, HttpBackend, selectBackend, TauriBackend } from ".";
import type { Invoke } from "./tauri";

const INFO: AppInfo = { version: "0.1.0", db_path: "/data/trailview.db", store_error: null };

describe("backend selection", () => {
  it("uses Tauri IPC when Tauri injected its internals into the page", () => {
    const win = { __TAURI_INTERNALS__: {} };
    expect(detectBackendKind(win)).toBe("tauri");
    expect(selectBackend(win)).toBeInstanceOf(TauriBackend);
  });

  it("uses the same-origin HTTP API in a plain browser", () => {
    expect(detectBackendKind({})).toBe("http");
    expect(selectBackend({})).toBeInstanceOf(HttpBackend);
  });
});

describe("TauriBackend", () => {
  it("invokes the command of the same name", async () => {
    const calls: string[] = [];
    const invoke = (async (command: string) => {
      calls.push(command);
      return INFO;
    }) as Invoke;
    await expect(new TauriBackend(invoke).appInfo()).resolves.toEqual(INFO);
    expect(calls).toEqual(["app_info"]);
  });

  it("turns a rejected {code, message} into a BackendError with that code", async () => {
    const invoke = (() =>
      Promise.reject({ code: "store_unavailable", message: "cannot open" })) as Invoke;
    const error = await new TauriBackend(invoke).appInfo().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "store_unavailable", message: "cannot open" });
  });

  it("reports any other rejection as an ipc error", async () => {
    const invoke = (() => Promise.reject("command app_info not found")) as Invoke;
    await expect(new TauriBackend(invoke).appInfo()).rejects.toMatchObject({ code: "ipc" });
  });
});

describe("HttpBackend", () => {
  function answering(status: number, body: string): { fetch: typeof fetch; urls: string[] } {
    const urls: string[] = [];
    const fetchFn = (async (input: RequestInfo | URL) => {
      urls.push(String(input));
      return new Response(body, { status, headers: { "Content-Type": "application/json" } });
    }) as typeof fetch;
    return { fetch: fetchFn, urls };
  }

  it("GETs /api/<command> on its base and parses the JSON", async () => {
    const server = answering(200, JSON.stringify(INFO));
    await expect(new HttpBackend("", server.fetch).appInfo()).resolves.toEqual(INFO);
    expect(server.urls).toEqual(["/api/app_info"]);
  });

  it("carries the server's error code through", async () => {
    const server = answering(503, JSON.stringify({ code: "store_unavailable", message: "busy" }));
    await expect(new HttpBackend("", server.fetch).appInfo()).rejects.toMatchObject({
      code: "store_unavailable",
      message: "busy",
    });
  });

  it("says so when the answer is not JSON (a static server, not trailview serve)", async () => {
    const server = answering(200, "<!doctype html><title>Trailview</title>");
    await expect(new HttpBackend("", server.fetch).appInfo()).rejects.toMatchObject({
      code: "bad_response",
    });
  });

  it("reports a failed request as unreachable", async () => {
    const fetchFn = (() => Promise.reject(new TypeError("fetch failed"))) as typeof fetch;
    await expect(new HttpBackend("", fetchFn).appInfo()).rejects.toMatchObject({
      code: "unreachable",
    });
  });
});
