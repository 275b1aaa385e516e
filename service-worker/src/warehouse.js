/* The warehouse app (/warehouse/): which recipe answers which request.
 * Pages are network-first and kept for offline reading (a pick list opened once reopens offline);
 * a pick list's data (/warehouse/pick/<id>/data) is network-first too, its last copy kept for offline;
 * static files and the manifest are stale-while-revalidate from the shell (the camera's zxing-wasm is not
 * in the shell: it is kept the first time the camera uses it). POSTs (scans, completion) are never cached:
 * the pick screen queues scans in IndexedDB itself (pwa/warehouse/static/offline-queue.js).
 *
 * Messages from the pages: {type: 'keep', urls} — fetch these pages/data of the app now and keep them for
 * offline (the pick, receiving and count screens ask for themselves — the pick screen for its data too —
 * because their first load came before the worker controlled it); a static file among the urls joins the
 * shell if it is not there yet (receiving.js and count.js are not precached). Background Sync: a 'sync'
 * event tagged 'kladovka-scans' tells the open pages to send their queues ({type: 'sync'}).
 */
(function (sw) {
  const { recipes, route, CONFIG, PAGES, SHELL } = sw;
  const DATA = /^\/warehouse\/pick\/\d+\/data$/;
  const STATIC = /^\/static\/(common|warehouse)\//;

  function cacheable(response) {
    return response && response.ok && response.type === 'basic' && !response.redirected;
  }

  /** JSON of a screen: network first; the last good copy is kept and answers when offline. */
  async function networkFirstData(event) {
    const request = event.request;
    try {
      const response = await fetch(request);
      if (cacheable(response) && (response.headers.get('content-type') || '').includes('json')) {
        const copy = response.clone();
        event.waitUntil(caches.open(PAGES).then((cache) => cache.put(request.url, copy)));
      }
      return response;
    } catch (err) {
      const cached = await caches.match(request.url, { cacheName: PAGES });
      if (cached) return cached;
      return new Response(JSON.stringify({ status: 503, title: 'Offline' }), {
        status: 503, headers: { 'Content-Type': 'application/problem+json' },
      });
    }
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
        if (cacheable(response)) await (isStatic ? shell : pages).put(url.href, response);
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
  route(({ url }) => DATA.test(url.pathname), networkFirstData);
  route(({ url }) => url.pathname.startsWith('/static/common/') || url.pathname.startsWith('/static/warehouse/'),
    recipes.staleWhileRevalidate);
  route(({ url }) => url.pathname === CONFIG.scope + 'manifest.webmanifest', recipes.staleWhileRevalidate);

  self.addEventListener('message', (event) => {
    const data = event.data;
    if (data && data.type === 'keep' && Array.isArray(data.urls)) event.waitUntil(keep(data.urls.slice(0, 20)));
  });
  self.addEventListener('sync', (event) => {
    if (event.tag === 'kladovka-scans') event.waitUntil(tellPagesToSync());
  });
  sw.start();
})(self.kladovka);
