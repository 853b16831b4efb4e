/* Поколение М — service worker (Workbox runtime, vendored). Version __VERSION__.
   - Pages: network first; a copy is kept only of answers the server marked `Cache-Control: public`
     (anonymous pages without a secret), so nothing of a signed-in person is ever stored. Offline,
     a page seen before opens from that copy, any other shows «Нет сети».
   - Private paths (cabinet, admin, API, preview) go to the network only.
   - Fingerprinted static files: cache first (their name changes with their content); other
     static files: cache, refreshed in the background; pictures: cache first for a week.
   - Lesson downloads saved with «Сохранить для просмотра без сети» (offline.js puts them in the
     lessons cache) play from the device, with byte ranges for the video element.
   HLS segments are never kept: a whole lesson for offline is the one small download. */
importScripts("{{ workbox|escapejs }}");

const VERSION = "__VERSION__";
const SHELL = "pm-shell-" + VERSION;
const PAGES = "pm-pages";
const STATIC = "pm-static";
const IMAGES = "pm-images";
const LESSONS = "pm-lessons"; // filled by offline.js; kept across versions
const OFFLINE_URL = "{% url 'site_theme:offline' %}";
const SHELL_URLS = [OFFLINE_URL{% for url in shell %}, "{{ url|escapejs }}"{% endfor %}];
const PRIVATE_PREFIXES = [{% for prefix in private_prefixes %}"{{ prefix|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const FINGERPRINTED = /\.[0-9a-f]{12}\.[a-z0-9]+$/;

const { registerRoute, setCatchHandler } = workbox.routing;
const { NetworkFirst, NetworkOnly, CacheFirst, StaleWhileRevalidate } = workbox.strategies;
const { ExpirationPlugin } = workbox.expiration;
const { CacheableResponsePlugin } = workbox.cacheableResponse;
const { createPartialResponse } = workbox.rangeRequests;

function isPrivatePath(pathname) {
  return PRIVATE_PREFIXES.some((prefix) => pathname.startsWith(prefix));
}

/* Only what the server says any anonymous visitor may get from a shared cache. */
function isPublic(response) {
  return response && response.status === 200 && /(^|,)\s*public\b/.test(response.headers.get("Cache-Control") || "");
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(SHELL_URLS.map((url) => new Request(url, { credentials: "omit" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  const keep = [SHELL, PAGES, STATIC, IMAGES, LESSONS];
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith("pm-") && !keep.includes(key)).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

// Signed-in areas and the API: the network, never a cache.
registerRoute(
  ({ url, request }) => url.origin === self.location.origin && isPrivatePath(url.pathname) && request.mode === "navigate",
  new NetworkOnly()
);

// Public pages: fresh from the network, a kept copy when there is none.
registerRoute(
  ({ url, request }) => request.mode === "navigate" && url.origin === self.location.origin && !isPrivatePath(url.pathname),
  new NetworkFirst({
    cacheName: PAGES,
    networkTimeoutSeconds: 6,
    matchOptions: { ignoreVary: true },
    plugins: [
      { cacheWillUpdate: async ({ response }) => (isPublic(response) ? response : null) },
      new ExpirationPlugin({ maxEntries: 60, maxAgeSeconds: 30 * 24 * 3600 }),
    ],
  })
);

// Lesson downloads the person saved: from the device (with ranges for <video>), else the network.
registerRoute(
  ({ url }) => /\/downloads\/lesson-[\w.-]+$/.test(url.pathname),
  async ({ request }) => {
    const cache = await caches.open(LESSONS);
    const saved = await cache.match(request.url, { ignoreVary: true, ignoreSearch: true });
    if (!saved) return fetch(request);
    return request.headers.has("range") ? createPartialResponse(request, saved) : saved;
  }
);

// Static files: the shell copy first, then the static cache.
registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith("/static/"),
  async (options) => {
    const kept = await caches.match(options.request, { cacheName: SHELL, ignoreVary: true });
    if (kept) return kept;
    const strategy = FINGERPRINTED.test(options.url.pathname) ? fingerprinted : refreshed;
    return strategy.handle(options);
  }
);
const fingerprinted = new CacheFirst({
  cacheName: STATIC,
  plugins: [new CacheableResponsePlugin({ statuses: [200] }), new ExpirationPlugin({ maxEntries: 80 })],
});
const refreshed = new StaleWhileRevalidate({
  cacheName: STATIC,
  plugins: [new CacheableResponsePlugin({ statuses: [200] }), new ExpirationPlugin({ maxEntries: 80 })],
});

// Posters, covers and thumbnails: from the device for a week, at most a few dozen. Their addresses
// change with their content (renditions carry their filter, a new video a new folder), and a second
// visit on a slow link should not fetch a poster again before the page paints.
registerRoute(
  ({ request, url }) => request.destination === "image" && !isPrivatePath(url.pathname),
  new CacheFirst({
    cacheName: IMAGES,
    plugins: [
      new CacheableResponsePlugin({ statuses: [200] }),
      new ExpirationPlugin({ maxEntries: 60, maxAgeSeconds: 7 * 24 * 3600, purgeOnQuotaError: true }),
    ],
  })
);

// A page neither on the network nor kept: «Нет сети».
setCatchHandler(async ({ request }) => {
  if (request.mode === "navigate") {
    const page = await caches.match(OFFLINE_URL, { cacheName: SHELL });
    if (page) return page;
  }
  return Response.error();
});
