// Registers the service worker (sw/sw.ts, built as /sw.js) in production builds. The dev server has no
// /sw.js: there the app runs without one.
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  const register = () =>
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err: unknown) => {
      console.warn("service worker not registered", err);
    });
  // After the page's own loading, so installing the shell does not compete with it.
  if (document.readyState === "complete") void register();
  else window.addEventListener("load", () => void register(), { once: true });
}
