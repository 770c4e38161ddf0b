/* 守望 field app service worker (docs/field.md). Served from /field/sw.js so that its scope is /field/.
 * - The app shell (the pages and static files below) is precached per release: cache-first.
 * - The worker's household list (GET /api/v1/field/today) is network-first, falling back to the last copy
 *   when offline; the page clears that copy on logout.
 * - Nothing else is cached, and nothing is ever fetched from another origin. Queued entries live in
 *   IndexedDB, written and synced by the page itself (app.js), never here. */
const VERSION = "{{ version }}";
const SHELL = "field-shell-" + VERSION;
const DATA = "field-data";
const PRECACHE = {{ precache|safe }};
const TODAY = "/api/v1/field/today";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((k) => k.startsWith("field-shell-") && k !== SHELL).map((k) => caches.delete(k))
      ))
      .then(() => self.clients.claim())
  );
});

async function householdList(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(DATA);
      await cache.put(TODAY, response.clone());
    }
    return response;
  } catch (err) {
    const hit = await caches.match(TODAY, { cacheName: DATA });
    if (hit) {
      const headers = new Headers(hit.headers);
      headers.set("X-Field-Cache", "hit");
      return new Response(await hit.blob(), { status: hit.status, headers });
    }
    return new Response(JSON.stringify({ detail: "当前离线，手机上还没有农户名单" }), {
      status: 503,
      headers: { "Content-Type": "application/json; charset=utf-8" },
    });
  }
}

async function shellFirst(request, fallback) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(fallback || request, { ignoreSearch: true });
  if (hit) return hit;
  return fetch(request);
}

async function pageOrOffline(request) {
  try {
    return await fetch(request);
  } catch (err) {
    return (await caches.match("/field/offline/", { cacheName: SHELL })) || Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === TODAY) {
    event.respondWith(householdList(request));
  } else if (request.mode === "navigate") {
    event.respondWith(url.pathname === "/field/" ? shellFirst(request, "/field/") : pageOrOffline(request));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(shellFirst(request));
  }
});
