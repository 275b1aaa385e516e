/* Kladovka service worker core: one small core plus named caching recipes (after Workbox's
 * recipes) and versioned caches that activate cleans up (after svgomg's worker).
 *
 * The server (server/routes/pwa.py) serves each app's worker at /<app>/sw.js as:
 *   self.KLADOVKA_SW = {app, version, build, scope, offline, precache: [...]};
 *   <this file>
 *   <service-worker/src/<app>.js>   (the app's routes: which recipe answers which request)
 */
'use strict';

(function () {
  const CONFIG = self.KLADOVKA_SW;
  const PREFIX = 'kladovka-' + CONFIG.app + '-';
  const SHELL = PREFIX + 'v' + CONFIG.version; // precached app shell
  const PAGES = PREFIX + 'pages-v' + CONFIG.version; // pages seen online, for reading offline
  const routes = [];

  function sameOrigin(url) {
    return url.origin === self.location.origin;
  }

  function cacheable(response) {
    return response && response.ok && response.type === 'basic' && !response.redirected;
  }

  const recipes = {
    /** Install: fetch every shell URL fresh (bypassing the HTTP cache) into the versioned cache.
     * One missing file is reported but does not abort the install. */
    async precacheShell() {
      const cache = await caches.open(SHELL);
      await Promise.all(CONFIG.precache.map(async (url) => {
        try {
          const response = await fetch(new Request(url, { cache: 'reload', credentials: 'same-origin' }));
          if (cacheable(response)) {
            await cache.put(url, response);
          } else {
            console.warn('[sw] not precached', url, response.status);
          }
        } catch (err) {
          console.warn('[sw] not precached', url, err);
        }
      }));
    },

    /** Activate: delete this app's caches of other versions; other apps' caches are left alone. */
    async deleteStaleCaches() {
      const keep = new Set([SHELL, PAGES]);
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith(PREFIX) && !keep.has(n)).map((n) => caches.delete(n)));
    },

    /** Pages: network first; a page seen before is kept for offline reading; offline falls back
     * to the cached copy (ignoring the query, so start_url "?source=pwa" matches), then to the
     * app's offline page. */
    async networkFirstPage(event) {
      const request = event.request;
      try {
        const response = await fetch(request);
        const type = response.headers.get('content-type') || '';
        if (cacheable(response) && type.startsWith('text/html')) {
          const copy = response.clone();
          event.waitUntil(caches.open(PAGES).then((cache) => cache.put(request, copy)));
        }
        return response;
      } catch (err) {
        const cached = await caches.match(request, { ignoreSearch: true });
        if (cached) return cached;
        const offline = await caches.match(CONFIG.offline);
        return offline || new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain' } });
      }
    },

    /** Static files and the manifest: answer from the cache at once, refresh it in the background. */
    async staleWhileRevalidate(event) {
      const request = event.request;
      const cache = await caches.open(SHELL);
      const cached = await cache.match(request, { ignoreSearch: true });
      const network = fetch(request).then((response) => {
        if (cacheable(response)) return cache.put(request, response.clone()).then(() => response);
        return response;
      });
      if (cached) {
        event.waitUntil(network.catch(() => undefined));
        return cached;
      }
      return network;
    },

    /** Signing out: drop the pages kept for offline reading (they belong to the user). */
    async forgetPages() {
      await caches.delete(PAGES);
    },
  };

  /** Register a route: match({request, url}) → true when `handler(event)` should answer. */
  function route(match, handler) {
    routes.push({ match, handler });
  }

  function start() {
    self.addEventListener('install', (event) => {
      event.waitUntil(recipes.precacheShell().then(() => self.skipWaiting()));
    });
    self.addEventListener('activate', (event) => {
      event.waitUntil(recipes.deleteStaleCaches().then(() => self.clients.claim()));
    });
    self.addEventListener('message', (event) => {
      if (event.data === 'sign-out') event.waitUntil(recipes.forgetPages());
      // A page that loaded while this worker was activating missed clients.claim(); it asks again.
      if (event.data === 'claim') event.waitUntil(self.clients.claim());
    });
    self.addEventListener('fetch', (event) => {
      const request = event.request;
      // Writes and HTMX fragments always go to the network and are never cached.
      if (request.method !== 'GET' || request.headers.has('HX-Request')) return;
      const url = new URL(request.url);
      if (!sameOrigin(url) || url.pathname === CONFIG.scope + 'sw.js') return;
      for (const r of routes) {
        if (r.match({ request, url })) {
          event.respondWith(r.handler(event));
          return;
        }
      }
    });
  }

  self.kladovka = { CONFIG, SHELL, PAGES, recipes, route, start };
})();
