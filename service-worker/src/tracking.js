/* The customer tracking page's worker: /t/sw.js, scope /t/ (served as it is by server/routes/tracking.py;
 * not assembled with core.js: the page is not an installable app and caches nothing).
 *
 * It only shows web push notifications. A push carries JSON {"title", "body", "url", "tag"}
 * (server/domain/notify): the notification replaces an older one with the same tag, and a click opens
 * `url` (the order's tracking page), or focuses a window that already shows it.
 * No fetch handler: every request goes to the network as if there were no worker.
 */
'use strict';

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function readPayload(event) {
  if (!event.data) return {};
  try {
    const data = event.data.json();
    return data && typeof data === 'object' ? data : {};
  } catch (err) {
    return { body: event.data.text() };
  }
}

function safeUrl(value) {
  try {
    const url = new URL(value || self.registration.scope, self.location.origin);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : self.registration.scope;
  } catch (err) {
    return self.registration.scope;
  }
}

self.addEventListener('push', (event) => {
  const data = readPayload(event);
  const options = { body: String(data.body || ''), data: { url: safeUrl(data.url) }, lang: 'ru' };
  if (data.tag) {
    options.tag = String(data.tag);
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(String(data.title || 'Заказ'), options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || self.registration.scope;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((client) => client.url === url);
    if (open && 'focus' in open) return open.focus();
    return self.clients.openWindow ? self.clients.openWindow(url) : undefined;
  })());
});
