/* What every installable Kladovka app does on each page (loaded with `defer` by the app's _base.html as
 * <script src="/static/common/pwa.js" data-scope="/<app>/" defer>):
 *
 * 1. Registers the app's service worker (<scope>sw.js, scope <scope>).
 * 2. Offline banner: while navigator.onLine is false a banner with the text of <body data-offline-text>
 *    sits on top of the page (HTMX swaps of <body> re-add it); an HTMX-boosted link or GET form that
 *    fails for lack of network becomes a plain navigation, so the worker answers it from its cache or
 *    with the offline page.
 * 3. Signing out (<form data-sign-out>): the pages kept for offline reading are forgotten first
 *    (they belong to the user), then the form is sent.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  var SCOPE = (script && script.getAttribute('data-scope')) || '/manager/';
  var PAGES_CACHE_PREFIX = 'kladovka-' + SCOPE.replace(/\//g, '') + '-pages-';

  // ---- 1. service worker ---------------------------------------------------------------------
  // A page that loaded while the worker was still activating missed its clients.claim() and would stay
  // uncontrolled (no offline copy) until the next navigation: such a page asks the worker to claim it.
  if ('serviceWorker' in navigator) {
    window.addEventListener('load', function () {
      var sw = navigator.serviceWorker;
      sw.register(SCOPE + 'sw.js', { scope: SCOPE }).catch(function (err) {
        console.warn('[kladovka] service worker not registered', err);
      });
      if (location.pathname.indexOf(SCOPE) === 0) {
        sw.ready.then(function (registration) {
          if (!sw.controller && registration.active) registration.active.postMessage('claim');
        });
      }
    });
  }

  // ---- 2. offline banner -----------------------------------------------------------------------
  var BANNER_ID = 'kladovka-offline-banner';

  function updateOfflineBanner() {
    var body = document.body;
    if (!body) return;
    var banner = document.getElementById(BANNER_ID);
    if (navigator.onLine) {
      if (banner) banner.remove();
      return;
    }
    if (banner) return;
    banner = document.createElement('div');
    banner.id = BANNER_ID;
    banner.className = 'offline-banner';
    banner.setAttribute('role', 'status');
    banner.setAttribute('data-testid', 'offline-banner');
    banner.textContent = body.getAttribute('data-offline-text') || 'Offline';
    banner.style.cssText = 'position:sticky;top:0;z-index:100;padding:10px 12px;background:#b42318;' +
      'color:#fff;font-weight:600;text-align:center';
    body.insertBefore(banner, body.firstChild);
  }

  window.addEventListener('online', updateOfflineBanner);
  window.addEventListener('offline', updateOfflineBanner);
  document.addEventListener('htmx:afterSettle', updateOfflineBanner);
  document.addEventListener('DOMContentLoaded', updateOfflineBanner);
  updateOfflineBanner();

  // A boosted GET that could not reach the server: navigate for real, the worker answers offline.
  document.addEventListener('htmx:sendError', function (event) {
    var d = event.detail || {};
    var config = d.requestConfig || {};
    var path = d.pathInfo && (d.pathInfo.finalRequestPath || d.pathInfo.requestPath);
    if (config.boosted && String(config.verb).toLowerCase() === 'get' && path) {
      window.location.assign(path);
    }
  });

  // ---- 3. sign-out forgets the pages kept for offline reading ----------------------------------
  function forgetPages() {
    var jobs = [];
    var sw = navigator.serviceWorker;
    if (sw && sw.controller) sw.controller.postMessage('sign-out');
    if (window.caches) {
      jobs.push(caches.keys().then(function (names) {
        return Promise.all(names.filter(function (n) { return n.indexOf(PAGES_CACHE_PREFIX) === 0; })
          .map(function (n) { return caches.delete(n); }));
      }));
    }
    var timeout = new Promise(function (resolve) { setTimeout(resolve, 1500); });
    return Promise.race([Promise.all(jobs), timeout]).catch(function () { return undefined; });
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-sign-out')) return;
    if (form.getAttribute('data-signing-out') === '1') return; // our own second submit
    event.preventDefault();
    form.setAttribute('data-signing-out', '1');
    forgetPages().then(function () { form.submit(); });
  }, true);
})();
