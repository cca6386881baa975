import type { ReactNode } from "react";

export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="empty" aria-label={title}>
      <h2 className="empty-title">{title}</h2>
      <div className="empty-body">{children}</div>
    </section>
  );
}
