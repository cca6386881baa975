import { createContext, type ReactNode, useContext } from "react";
import type { Backend } from "./types";

const BackendContext = createContext<Backend | null>(null);

export function BackendProvider({ backend, children }: { backend: Backend; children: ReactNode }) {
  return <BackendContext.Provider value={backend}>{children}</BackendContext.Provider>;
}

/** The backend chosen at start-up. Views use this, never a transport directly. */
export function useBackend(): Backend {
  const backend = useContext(BackendContext);
  if (!backend) throw new Error("useBackend() outside <BackendProvider>");
  return backend;
}
