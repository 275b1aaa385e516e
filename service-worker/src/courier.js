/* The courier app (/courier/): which recipe answers which request.
 * Pages are network-first and kept for offline reading; the route page asks the worker to keep itself and
 * every stop page of the route ({type: 'keep', urls}) the moment it is opened, so with the network gone
 * the route and each stop open from the cache. Static files (this app's, the common ones, and the
 * warehouse's offline-queue.js the courier pages use) and the manifest are stale-while-revalidate from the
 * shell. POSTs (statuses, payments, positions) are never cached: the pages queue actions in IndexedDB
 * themselves (pwa/courier/static/app.js). Background Sync 'kladovka-courier' tells open pages to send.
 */
(function (sw) {
  const { recipes, route, CONFIG, PAGES, SHELL } = sw;
  const STATIC = /^\/static\/(common|courier)\/|^\/static\/warehouse\/offline-queue\.js$/;
  const MAX_KEEP = 200; // a long route: the route page and all its stops

  function cacheable(response) {
    return response && response.ok && response.type === 'basic' && !response.redirected;
  }

  async function keep(urls) {
    const pages = await caches.open(PAGES);
    const shell = await caches.open(SHELL);
    await Promise.all(urls.map(async (raw) => {
      const url = new URL(raw, self.location.origin);
      if (url.origin !== self.location.origin) return;
      const isStatic = STATIC.test(url.pathname);
      if (!isStatic && !url.pathname.startsWith(CONFIG.scope)) return;
      url.hash = '';
      if (isStatic && (await shell.match(url.href, { ignoreSearch: true }))) return; // kept already
      try {
        const response = await fetch(url.href, { credentials: 'same-origin', cache: 'no-store' });
        const type = response.headers.get('content-type') || '';
        if (cacheable(response) && (isStatic || type.startsWith('text/html'))) {
          await (isStatic ? shell : pages).put(url.href, response);
        }
      } catch (err) {
        /* offline: what is kept stays */
      }
    }));
  }

  async function tellPagesToSync() {
    const pages = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    pages.forEach((page) => page.postMessage({ type: 'sync' }));
  }

  route(({ request, url }) => request.mode === 'navigate' && url.pathname.startsWith(CONFIG.scope),
    recipes.networkFirstPage);
  route(({ url }) => STATIC.test(url.pathname), recipes.staleWhileRevalidate);
  route(({ url }) => url.pathname === CONFIG.scope + 'manifest.webmanifest', recipes.staleWhileRevalidate);

  self.addEventListener('message', (event) => {
    const data = event.data;
    if (data && data.type === 'keep' && Array.isArray(data.urls)) event.waitUntil(keep(data.urls.slice(0, MAX_KEEP)));
  });
  self.addEventListener('sync', (event) => {
    if (event.tag === 'kladovka-courier') event.waitUntil(tellPagesToSync());
  });
  sw.start();
})(self.kladovka);
