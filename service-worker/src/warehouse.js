/* The warehouse app (/warehouse/): which recipe answers which request.
 * Pages are network-first and kept for offline reading (a pick list opened once reopens offline);
 * static files and the manifest are stale-while-revalidate from the shell. */
(function (sw) {
  const { recipes, route, CONFIG } = sw;
  route(({ request, url }) => request.mode === 'navigate' && url.pathname.startsWith(CONFIG.scope),
    recipes.networkFirstPage);
  route(({ url }) => url.pathname.startsWith('/static/common/') || url.pathname.startsWith('/static/warehouse/'),
    recipes.staleWhileRevalidate);
  route(({ url }) => url.pathname === CONFIG.scope + 'manifest.webmanifest', recipes.staleWhileRevalidate);
  sw.start();
})(self.kladovka);
