/**
 * Imported first by main.tsx, before any library: uPlot builds
 * `new Intl.NumberFormat(navigator.language)` when its module loads, so in a WebKitGTK window
 * started under `LANG=C` (navigator.language = "C") the whole UI failed to start with
 * "RangeError: invalid language tag: C". Here a tag Intl refuses is replaced by a usable one.
 */
import { usableLocale } from "./lib/locale";

if (typeof navigator !== "undefined") {
  const language = usableLocale(navigator.language);
  if (language !== navigator.language) {
    Object.defineProperty(navigator, "language", { value: language, configurable: true });
    Object.defineProperty(navigator, "languages", { value: [language], configurable: true });
  }
}
