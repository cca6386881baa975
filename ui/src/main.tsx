// First, before any library evaluates: see the module's comment.
import "./locale-guard";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { BackendProvider, selectBackend } from "./backend";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    // The store only grows by appends the backend announces; refetching on focus would be noise.
    queries: { refetchOnWindowFocus: false, retry: false },
  },
});

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");

createRoot(root).render(
  <StrictMode>
    <BackendProvider backend={selectBackend()}>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </BackendProvider>
  </StrictMode>,
);
