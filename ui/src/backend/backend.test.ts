import { describe, expect, it } from "vitest";
import type { AppInfo } from "../bindings/AppInfo";
import { BackendError, detectBackendKind, HttpBackend, selectBackend, TauriBackend } from ".";
import type { Invoke, Listen } from "./tauri";

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

describe("every operation crosses with its docs/API.md name and parameters", () => {
  function recordingInvoke(answer: unknown = {}) {
    const calls: [string, Record<string, unknown> | undefined][] = [];
    const invoke = (async (command: string, args?: Record<string, unknown>) => {
      calls.push([command, args]);
      return answer;
    }) as Invoke;
    return { invoke, calls };
  }

  it("Tauri: filter operations take `req`, the others their parameters by name", async () => {
    const { invoke, calls } = recordingInvoke();
    const b = new TauriBackend(invoke);
    await b.stats();
    await b.events({ tenant: "", type: "approval.*", after: "1:2", limit: 200 });
    await b.event("acme", "evt-1");
    await b.histogram({ tenant: "acme", from: 1, to: 2, buckets: 10 });
    await b.quarantine(50);
    await b.verify();
    await b.bundleInfo();
    await b.keyInfo();
    await b.loadDemo(20000);
    await b.ingestFiles(["/tmp/a.ndjson"]);
    expect(calls).toEqual([
      ["stats", undefined],
      ["events", { req: { tenant: "", type: "approval.*", after: "1:2", limit: 200 } }],
      ["event", { tenant: "acme", id: "evt-1" }],
      ["histogram", { req: { tenant: "acme", from: 1, to: 2, buckets: 10 } }],
      ["quarantine", { limit: 50 }],
      ["verify", undefined],
      ["bundle_info", undefined],
      ["key_info", undefined],
      ["load_demo", { events: 20000 }],
      ["ingest_files", { paths: ["/tmp/a.ndjson"] }],
    ]);
  });

  it("Tauri: ingest progress arrives from the `ingest_progress` event until unsubscribed", async () => {
    const heard: unknown[] = [];
    let emit: ((e: { payload: unknown }) => void) | null = null;
    let unlistened = false;
    const listen = (async (event: string, handler: (e: { payload: unknown }) => void) => {
      expect(event).toBe("ingest_progress");
      emit = handler;
      return () => {
        unlistened = true;
      };
    }) as Listen;
    const stop = new TauriBackend(recordingInvoke().invoke, listen).onIngestProgress((p) => heard.push(p));
    await Promise.resolve();
    (emit as unknown as (e: { payload: unknown }) => void)({ payload: { path: "a", bytes_read: 1 } });
    stop();
    expect(heard).toEqual([{ path: "a", bytes_read: 1 }]);
    expect(unlistened).toBe(true);
  });

  function recordingFetch(body: unknown = {}) {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(input), init });
      return new Response(JSON.stringify(body), { status: 200 });
    }) as typeof fetch;
    return { fetchFn, seen };
  }

  it("HTTP: reads are GETs with query parameters, the empty tenant kept, absent ones left out", async () => {
    const { fetchFn, seen } = recordingFetch();
    const b = new HttpBackend("", fetchFn);
    await b.events({ tenant: "", type: "code.*", before: "5:6", desc: true, limit: 200 });
    await b.event("acme", "a&b");
    await b.histogram({ tenant: "acme", from: 10, to: 20, buckets: 2 });
    await b.quarantine();
    await b.verify();
    await b.bundleInfo();
    await b.keyInfo();
    expect(seen.map((s) => s.url)).toEqual([
      "/api/events?tenant=&type=code.*&before=5%3A6&desc=true&limit=200",
      "/api/event?tenant=acme&id=a%26b",
      "/api/histogram?tenant=acme&from=10&to=20&buckets=2",
      "/api/quarantine",
      "/api/verify",
      "/api/bundle_info",
      "/api/key_info",
    ]);
    expect(seen.every((s) => (s.init?.method ?? "GET") === "GET")).toBe(true);
  });

  it("HTTP: load_demo is a POST with a JSON body", async () => {
    const { fetchFn, seen } = recordingFetch({ accepted: 1, duplicates: 0, quarantined: 0, files: [] });
    await new HttpBackend("", fetchFn).loadDemo(500);
    expect(seen[0]?.url).toBe("/api/load_demo");
    expect(seen[0]?.init?.method).toBe("POST");
    expect(seen[0]?.init?.body).toBe(JSON.stringify({ events: 500 }));
    expect(new Headers(seen[0]?.init?.headers).get("Content-Type")).toBe("application/json");
  });

  it("HTTP: opening files by path is the desktop's, said without a request", async () => {
    const { fetchFn, seen } = recordingFetch();
    await expect(new HttpBackend("", fetchFn).ingestFiles(["/x"])).rejects.toMatchObject({
      code: "desktop_only",
    });
    expect(seen).toEqual([]);
  });
});

describe("appended notices", () => {
  /** A stand-in EventSource the test drives (the real one is exercised by the browser test). */
  class FakeSource {
    url: string;
    closed = false;
    private listeners = new Map<string, Set<(e: Event) => void>>();
    constructor(url: string) {
      this.url = url;
    }
    addEventListener(type: string, l: (e: Event) => void) {
      if (!this.listeners.has(type)) this.listeners.set(type, new Set());
      this.listeners.get(type)?.add(l);
    }
    removeEventListener(type: string, l: (e: Event) => void) {
      this.listeners.get(type)?.delete(l);
    }
    close() {
      this.closed = true;
    }
    emit(type: string, data: unknown) {
      const e = new MessageEvent(type, { data: JSON.stringify(data) });
      for (const l of this.listeners.get(type) ?? []) l(e);
    }
  }

  it("HTTP: reads /api/live_appended, covers a reconnect's gap once, and closes on unsubscribe", () => {
    let source: FakeSource | null = null;
    const backend = new HttpBackend("http://x", fetch, (url) => (source = new FakeSource(url)));
    const got: unknown[] = [];
    const stop = backend.onAppended((n) => got.push(n));
    const s = source as unknown as FakeSource;
    expect(s.url).toBe("http://x/api/live_appended");
    s.emit("ready", { last_seq: 10 });
    s.emit("appended", { from_seq: 11, to_seq: 12 });
    // The connection dropped and came back: 13..15 were appended meanwhile.
    s.emit("ready", { last_seq: 15 });
    s.emit("appended", { from_seq: 16, to_seq: 16 });
    s.emit("ready", { last_seq: 16 }); // nothing missed: nothing announced
    s.emit("appended", { bogus: true });
    expect(got).toEqual([
      { from_seq: 11, to_seq: 12 },
      { from_seq: 13, to_seq: 15 },
      { from_seq: 16, to_seq: 16 },
    ]);
    stop();
    expect(s.closed).toBe(true);
    s.emit("appended", { from_seq: 17, to_seq: 17 });
    expect(got).toHaveLength(3);
  });

  it("Tauri: the `appended` event, and `live_status` as a command", async () => {
    const handlers: Record<string, (e: { payload: unknown }) => void> = {};
    const listen: Listen = async (event, handler) => {
      handlers[event] = handler as (e: { payload: unknown }) => void;
      return () => delete handlers[event];
    };
    const calls: string[] = [];
    const invoke: Invoke = async <T,>(command: string) => {
      calls.push(command);
      return { last_seq: 3 } as T;
    };
    const backend = new TauriBackend(invoke, listen);
    const got: unknown[] = [];
    const stop = backend.onAppended((n) => got.push(n));
    await Promise.resolve();
    handlers.appended?.({ payload: { from_seq: 1, to_seq: 3 } });
    expect(got).toEqual([{ from_seq: 1, to_seq: 3 }]);
    expect((await backend.liveStatus()).last_seq).toBe(3);
    expect(calls).toEqual(["live_status"]);
    stop();
    expect(handlers.appended).toBeUndefined();
  });
});

describe("bundle sessions", () => {
  it("Tauri: open_bundle takes {req: {path}}, close_bundle and current_store no arguments", async () => {
    const calls: [string, unknown][] = [];
    const invoke = (async (command: string, args?: unknown) => {
      calls.push([command, args]);
      return command === "choose_save_path" ? "/home/me/case.trail" : { kind: "own" };
    }) as Invoke;
    const b = new TauriBackend(invoke);
    await b.openBundle("/tmp/case.trail");
    await b.closeBundle();
    await b.currentStore();
    await expect(b.chooseSavePath("case.trail")).resolves.toBe("/home/me/case.trail");
    expect(calls).toEqual([
      ["open_bundle", { req: { path: "/tmp/case.trail" } }],
      ["close_bundle", undefined],
      ["current_store", undefined],
      ["choose_save_path", { defaultName: "case.trail" }],
    ]);
    await expect(b.openBundleFile(new Blob(["x"]), "x.trail")).rejects.toMatchObject({ code: "browser_only" });
  });

  it("HTTP: a picked file's bytes go to POST /api/bundles as octet-stream, named", async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(input), init });
      return new Response(JSON.stringify({ kind: "bundle" }), { status: 200 });
    }) as typeof fetch;
    const file = new Blob(["PK..."]);
    await new HttpBackend("", fetchFn).openBundleFile(file, "case 1.trail");
    expect(seen[0]?.url).toBe("/api/bundles?name=case+1.trail");
    expect(seen[0]?.init?.method).toBe("POST");
    expect((seen[0]?.init?.headers as Record<string, string>)["Content-Type"]).toBe("application/octet-stream");
    expect(seen[0]?.init?.body).toBe(file);
  });

  it("HTTP: an export streams GET /api/export_bundle and reads the result from its headers", async () => {
    const urls: string[] = [];
    const fetchFn = (async (input: RequestInfo | URL) => {
      urls.push(String(input));
      return new Response(new Uint8Array([80, 75, 3, 4]), {
        status: 200,
        headers: {
          "Content-Length": "4",
          "X-Trailview-Events": "12",
          "X-Trailview-Quarantined": "1",
          "X-Trailview-Merkle-Root": "ab".repeat(32),
          "X-Trailview-Fingerprint": "fp",
          "X-Trailview-Sha256": "cd".repeat(32),
          "X-Trailview-Tenant": "acme%20co",
          "X-Trailview-File-Name": "acme.trail",
        },
      });
    }) as typeof fetch;
    const phases: string[] = [];
    const r = await new HttpBackend("", fetchFn).exportBundle(
      { filter: { tenant: "acme co", type: "approval.*" }, withQuarantine: true, path: "acme.trail" },
      (p) => phases.push(p.phase),
    );
    expect(urls[0]).toBe("/api/export_bundle?tenant=acme+co&type=approval.*&quarantine=1&name=acme.trail");
    expect(r).toMatchObject({ file: "acme.trail", bytes: 4, events: 12, quarantined: 1, tenant: "acme co", fingerprint: "fp" });
    expect(phases[0]).toBe("exporting");
    expect(phases).toContain("downloading");
  });

  it("HTTP: a refused export keeps its code (read_only while a bundle is open)", async () => {
    const fetchFn = (async () =>
      new Response(JSON.stringify({ code: "read_only", message: "close it" }), { status: 409 })) as typeof fetch;
    await expect(
      new HttpBackend("", fetchFn).exportBundle({ filter: { tenant: "a" }, withQuarantine: false, path: "a.trail" }),
    ).rejects.toMatchObject({ code: "read_only" });
  });
});

describe("hosted live sources", () => {
  const HOST = { listener: { on: true }, watches: [] };

  it("Tauri: commands named like the api ops, requests as {req}, and the native folder picker", async () => {
    const calls: [string, unknown][] = [];
    const invoke: Invoke = async <T,>(command: string, args?: Record<string, unknown>) => {
      calls.push([command, args]);
      return (command === "choose_folder" ? "/picked" : HOST) as T;
    };
    const b = new TauriBackend(invoke);
    await b.startListener({ tcp: "127.0.0.1:7421" });
    await b.stopListener();
    await b.addWatch({ dir: "/var/log/app", glob: "*.log" });
    await b.removeWatch({ dir: "/var/log/app" });
    await expect(b.chooseFolder()).resolves.toBe("/picked");
    expect(calls).toEqual([
      ["start_listener", { req: { tcp: "127.0.0.1:7421" } }],
      ["stop_listener", undefined],
      ["add_watch", { req: { dir: "/var/log/app", glob: "*.log" } }],
      ["remove_watch", { req: { dir: "/var/log/app" } }],
      ["choose_folder", undefined],
    ]);
  });

  it("HTTP: POSTs the request as JSON; no folder picker (desktop_only, the UI offers a path field)", async () => {
    const sent: [string, string | undefined, unknown][] = [];
    const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
      sent.push([String(input), init?.method, init?.body ? JSON.parse(String(init.body)) : undefined]);
      return new Response(JSON.stringify(HOST), { status: 200 });
    }) as typeof fetch;
    const b = new HttpBackend("", fetchFn);
    await b.startListener({ tcp: "127.0.0.1:0" });
    await b.stopListener();
    await b.addWatch({ dir: "/tmp/x" });
    await b.removeWatch({ dir: "/tmp/x" });
    expect(sent).toEqual([
      ["/api/start_listener", "POST", { tcp: "127.0.0.1:0" }],
      ["/api/stop_listener", "POST", {}],
      ["/api/add_watch", "POST", { dir: "/tmp/x" }],
      ["/api/remove_watch", "POST", { dir: "/tmp/x" }],
    ]);
    await expect(b.chooseFolder()).rejects.toMatchObject({ code: "desktop_only" });
  });

  it("HTTP: a refused start comes back with its code", async () => {
    const fetchFn = (async () =>
      new Response(JSON.stringify({ code: "address_in_use", message: "taken" }), { status: 409 })) as typeof fetch;
    await expect(new HttpBackend("", fetchFn).startListener({ tcp: "127.0.0.1:1" })).rejects.toMatchObject({
      code: "address_in_use",
    });
  });
});
