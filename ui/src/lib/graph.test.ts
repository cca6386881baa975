import { describe, expect, it } from "vitest";
import {
  colourKey,
  fitTransform,
  hitTest,
  initialTransform,
  MAX_K,
  pathToRoot,
  READABLE_K,
  toScreen,
  zoomAt,
} from "./graph";

describe("graph geometry", () => {
  it("fits a layout inside the view, centred", () => {
    const t = fitTransform({ width: 400, height: 96 }, 1000, 500, 50);
    expect(t.k).toBeCloseTo(1.5); // capped: a small graph is not blown up past 1.5
    const [x0, y0] = toScreen(t, 0, 0);
    const [x1, y1] = toScreen(t, 400, 96);
    expect((x0 + x1) / 2).toBeCloseTo(500);
    expect((y0 + y1) / 2).toBeCloseTo(250);
  });

  it("opens a 5,000-column chain readable from its start, not as a smear", () => {
    const layout = { width: 4999 * 40, height: 0 };
    expect(fitTransform(layout, 1200, 700).k).toBeLessThan(READABLE_K);
    const t = initialTransform(layout, 1200, 700);
    expect(t.k).toBe(1);
    expect(toScreen(t, 0, 0)[0]).toBe(48);
  });

  it("zooms about the pointer and stays within limits", () => {
    const t = { k: 1, x: 10, y: 20 };
    const z = zoomAt(t, 2, 110, 120);
    // The layout point under the pointer (100, 100) is still under it.
    expect(toScreen(z, 100, 100)).toEqual([110, 120]);
    expect(zoomAt({ k: MAX_K, x: 0, y: 0 }, 10, 0, 0).k).toBe(MAX_K);
  });

  it("picks the nearest node within reach, or none", () => {
    const nodes = [
      { x: 0, y: 0 },
      { x: 40, y: 0 },
      { x: 80, y: 48 },
    ];
    const t = { k: 1, x: 0, y: 0 };
    expect(hitTest(nodes, t, 38, 2)).toBe(1);
    expect(hitTest(nodes, t, 81, 47)).toBe(2);
    expect(hitTest(nodes, t, 20, 30)).toBeNull();
  });

  it("walks up to the root and never loops", () => {
    const nodes = [{ up: null }, { up: 0 }, { up: 1 }, { up: 1 }];
    expect(pathToRoot(nodes, 3)).toEqual([3, 1, 0]);
    expect(pathToRoot(nodes, 0)).toEqual([0]);
    expect(pathToRoot([{ up: 1 }, { up: 0 }], 0)).toEqual([0, 1]);
  });

  it("colours by source or dialect; placeholders have no colour", () => {
    const n = { source: "meshos.review-service", dialect: "spine" as const };
    expect(colourKey(n, "source")).toBe("meshos.review-service");
    expect(colourKey(n, "dialect")).toBe("spine");
    expect(colourKey({ source: null, dialect: null }, "source")).toBeNull();
  });
});
