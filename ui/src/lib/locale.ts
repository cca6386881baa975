/**
 * A language tag `Intl` accepts, from whatever the platform reports. WebKitGTK passes the POSIX
 * locale through as `navigator.language`: `C` under `LANG=C` (CI machines, minimal installs),
 * `de_DE.UTF-8` elsewhere. `Intl` throws a RangeError on those. POSIX forms are turned into BCP 47
 * (`de_DE.UTF-8` → `de-DE`); what still is not a tag becomes `en-US`.
 */
export function usableLocale(tag: string | undefined): string {
  const candidates = [tag, tag?.split(/[.@]/)[0]?.replace(/_/g, "-")];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      new Intl.NumberFormat(candidate);
      return candidate;
    } catch {
      // not a tag; try the next form
    }
  }
  return "en-US";
}
