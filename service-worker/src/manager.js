/* The manager app (/manager/): which recipe answers which request. */
(function (sw) {
  const { recipes, route, CONFIG } = sw;
  route(({ request, url }) => request.mode === 'navigate' && url.pathname.startsWith(CONFIG.scope),
    recipes.networkFirstPage);
  route(({ url }) => url.pathname.startsWith('/static/common/') || url.pathname.startsWith('/static/manager/'),
    recipes.staleWhileRevalidate);
  route(({ url }) => url.pathname === CONFIG.scope + 'manifest.webmanifest', recipes.staleWhileRevalidate);
  sw.start();
})(self.kladovka);
