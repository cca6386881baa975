import { describe, expect, it } from "vitest";
import { usableLocale } from "./locale";

describe("a locale Intl accepts", () => {
  it("keeps a valid tag", () => {
    expect(usableLocale("fr-FR")).toBe("fr-FR");
    expect(usableLocale("en")).toBe("en");
  });

  it("turns POSIX locales into tags, and C (LANG=C under WebKitGTK) into en-US", () => {
    expect(usableLocale("de_DE.UTF-8")).toBe("de-DE");
    expect(usableLocale("sr_RS@latin")).toBe("sr-RS");
    expect(usableLocale("C")).toBe("en-US");
    expect(usableLocale("C.UTF-8")).toBe("en-US");
    expect(usableLocale("")).toBe("en-US");
    expect(usableLocale(undefined)).toBe("en-US");
  });
});
