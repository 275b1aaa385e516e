/* The delivery planning map (/manager/delivery): zones, the depot, routes as polylines in their courier's
   colour, stops as numbered markers, unassigned orders highlighted, couriers' latest positions.

   Data: the JSON in <script type="application/json" id="delivery-map-data"> next to the map element
   ([data-delivery-map]); the tables of the page are the real content and render without this script.
   Tiles: the URL in data-tiles (none: a blank background, everything else still drawn).
   Live: an EventSource on data-live-url (Server-Sent Events, GET /manager/delivery/live) hears
   "delivery" events: {"kind": "position", courier_id, lat, lon, at} moves that courier's marker (a courier
   the map has no marker for yet: the positions are fetched again); any other kind (stop_changed,
   route_changed, route_published, planned) re-reads the plan block (HTMX GET of data-plan-url), which
   redraws the tables and the map without moving the view. While the stream is not connected (no
   EventSource, the server away, a proxy that buffers) the positions are fetched every data-refresh-s
   seconds (30–60) from data-positions-url instead; after a reconnect both are read again (news may have
   been missed). [data-testid=live-state] says which ("on" / "off").
   After an HTMX swap of the plan (optimise, move, lock …) the map redraws from the new data. */
(function () {
  "use strict";

  var state = { map: null, el: null, layers: null, positions: null, timer: null, markers: {}, list: [],
    couriers: [], source: null, sourceUrl: null, live: false, connections: 0, planTimer: null, keepView: false };
  var PLAN_DEBOUNCE_MS = 300;

  function readData() {
    var node = document.getElementById("delivery-map-data");
    if (!node) return null;
    try { return JSON.parse(node.textContent || "{}"); } catch (e) { return null; }
  }

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function tileLayer(el) {
    var url = el.getAttribute("data-tiles") || "";
    if (!url) return null;
    var common = window.KladovkaMap;  // the zones screen's shared helpers, when present
    if (common && typeof common.tileLayer === "function") {
      try { return common.tileLayer(el); } catch (e) { /* fall back to our own below */ }
    }
    return L.tileLayer(url, { maxZoom: 19, attribution: el.getAttribute("data-attribution") || "" });
  }

  function icon(cls, html) {
    return L.divIcon({ className: cls, html: html, iconSize: null });
  }

  function drawPositions(list) {
    if (!state.positions) return;
    state.positions.clearLayers();
    state.markers = {};
    state.list = (list || []).slice();
    state.list.forEach(function (p) {
      if (p.lat == null || p.lon == null) return;
      var marker = L.marker([p.lat, p.lon], {
        icon: icon("courier-position", '<span style="background:' + esc(p.colour) + '">' + esc(p.initials || "") + "</span>"),
        title: (p.courier || "") + (p.at ? " · " + p.at : ""), keyboard: false, zIndexOffset: 1000,
      }).addTo(state.positions).bindPopup(esc(p.courier) + (p.at ? "<br>" + esc(p.at) : ""));
      if (p.courier_id != null) state.markers[String(p.courier_id)] = { marker: marker, point: p };
    });
  }

  function clock(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function updated(text) {
    var when = document.querySelector("[data-testid=positions-updated]");
    if (when && text) when.textContent = text;
  }

  function movePosition(m) {
    if (m.courier_id == null || m.lat == null || m.lon == null) return;
    var id = String(m.courier_id);
    if (state.couriers.map(String).indexOf(id) < 0) return;  // not a courier of this warehouse's day
    var known = state.markers[id];
    if (!known) { refreshPositions(); return; }  // the first position of the day: name and colour come with it
    var at = clock(m.at);
    known.point.lat = m.lat; known.point.lon = m.lon; known.point.at = at;
    known.marker.setLatLng([m.lat, m.lon]);
    known.marker.setPopupContent(esc(known.point.courier) + "<br>" + esc(at));
    var el = known.marker.getElement && known.marker.getElement();
    if (el) el.setAttribute("title", (known.point.courier || "") + " · " + at);
    updated(clock());
  }

  // HTMX requests in flight (an optimise takes seconds): a live re-read swapped in meanwhile would leave
  // that request's answer to land in a block no longer on the page, so the re-read waits for it.
  var busy = 0, deferred = 0;
  document.addEventListener("htmx:beforeRequest", function () { busy += 1; });
  document.addEventListener("htmx:afterRequest", function () { busy = Math.max(0, busy - 1); });

  function refreshPlan() {
    state.planTimer = null;
    var url = state.el && state.el.getAttribute("data-plan-url");
    if (!url || !window.htmx || !document.getElementById("delivery-plan")) return;
    if (busy > 0 && deferred < 120) { deferred += 1; state.planTimer = setTimeout(refreshPlan, 500); return; }
    deferred = 0;
    state.keepView = true;  // the manager may have zoomed in: a live update does not move the map
    window.htmx.ajax("GET", url, { target: "#delivery-plan", swap: "outerHTML" });
  }

  function schedulePlan() {
    if (state.planTimer) clearTimeout(state.planTimer);
    state.planTimer = setTimeout(refreshPlan, PLAN_DEBOUNCE_MS);
  }

  function setLive(on) {
    state.live = on;
    var note = document.querySelector("[data-testid=live-state]");
    if (note) note.setAttribute("data-live-state", on ? "on" : "off");
    if (on) {
      if (state.timer) clearInterval(state.timer);
      state.timer = null;
    } else if (state.el && !state.timer) {
      schedule(state.el);  // once: the reconnect attempts every few seconds must not keep resetting it
    }
  }

  function closeLive() {
    if (state.source) state.source.close();
    state.source = null; state.sourceUrl = null; state.connections = 0;
  }

  function openLive(el) {
    var url = el.getAttribute("data-live-url");
    if (!url || !window.EventSource) return;
    if (state.source && state.sourceUrl === url && state.source.readyState !== 2) return;  // 2: CLOSED
    closeLive();
    state.sourceUrl = url;
    var source = new EventSource(url);
    state.source = source;
    source.addEventListener("ready", function () {
      if (!document.body.contains(state.el)) { closeLive(); return; }
      state.connections += 1;
      setLive(true);
      if (state.connections > 1) { refreshPositions(); schedulePlan(); }  // news may have been missed meanwhile
    });
    source.addEventListener("delivery", function (event) {
      if (!document.body.contains(state.el)) { closeLive(); return; }
      var m;
      try { m = JSON.parse(event.data); } catch (e) { return; }
      if (m.kind === "position") movePosition(m); else schedulePlan();
    });
    source.addEventListener("error", function () {
      if (!document.body.contains(state.el)) { closeLive(); return; }
      setLive(false);  // the browser reconnects by itself (the server sends retry); polling meanwhile
    });
  }

  function draw(data) {
    var layers = state.layers;
    layers.clearLayers();
    var bounds = [], zoneBounds = [];
    if (data.zones && data.zones.features && data.zones.features.length) {
      var common = window.KladovkaMap;  // the zones screen's look: each zone in its own colour
      var zones = (common && common.zonesLayer ? common.zonesLayer(data.zones) : L.geoJSON(data.zones, {
        style: function () { return { color: "#5b6b7a", weight: 1, fillOpacity: 0.06 }; },
        onEachFeature: function (f, layer) {
          var name = f.properties && f.properties.name;
          if (name) layer.bindTooltip(esc(name));
        },
      })).addTo(layers);
      var zb = zones.getBounds();
      if (zb.isValid()) { zoneBounds = [zb.getSouthWest(), zb.getNorthEast()]; }
    }
    if (data.depot && data.depot.lat != null) {
      L.marker([data.depot.lat, data.depot.lon], { icon: icon("depot-marker", "<span>⌂</span>"), title: data.depot.name || "" })
        .addTo(layers).bindPopup(esc(data.depot.name));
      bounds.push([data.depot.lat, data.depot.lon]);
    }
    (data.routes || []).forEach(function (r) {
      var points = (r.points || []).filter(function (p) { return p && p[0] != null && p[1] != null; });
      if (points.length > 1) {
        L.polyline(points, { color: r.colour, weight: 4, opacity: 0.85, className: "route-line" })
          .addTo(layers).bindTooltip(esc(r.courier));
      }
      (r.stops || []).forEach(function (s) {
        if (s.lat == null || s.lon == null) return;
        var cls = "stop-marker" + (s.locked ? " locked" : "") + (s.done ? " done" : "");
        L.marker([s.lat, s.lon], {
          icon: icon(cls, '<span style="background:' + esc(r.colour) + '">' + esc(s.seq) + "</span>"),
          title: (s.number || "") + " · " + (s.eta || ""),
        }).addTo(layers).bindPopup("<b>" + esc(s.number) + "</b> · " + esc(r.courier) + "<br>" + esc(s.address)
          + (s.eta ? "<br>ETA " + esc(s.eta) : "") + (s.window ? " · " + esc(s.window) : ""));
        bounds.push([s.lat, s.lon]);
      });
    });
    (data.unassigned || []).forEach(function (u) {
      if (u.lat == null || u.lon == null) return;
      L.marker([u.lat, u.lon], { icon: icon("unassigned-marker", "<span>!</span>"), title: u.number || "", zIndexOffset: 500 })
        .addTo(layers).bindPopup("<b>" + esc(u.number) + "</b><br>" + esc(u.address) + "<br>" + esc(u.reason));
      bounds.push([u.lat, u.lon]);
    });
    drawPositions(data.positions);
    state.couriers = (data.couriers || []).slice();
    if (state.keepView) { state.keepView = false; return; }
    (data.positions || []).forEach(function (p) { if (p.lat != null) bounds.push([p.lat, p.lon]); });
    if (bounds.length <= 1) bounds = bounds.concat(zoneBounds);  // no orders yet: show the zones around the depot
    if (bounds.length) {
      state.map.fitBounds(L.latLngBounds(bounds), { padding: [28, 28], maxZoom: 15 });
    } else {
      state.map.setView([55.751, 37.618], 10);  // nothing to show yet: the city of the demo shop
    }
  }

  function refreshPositions() {
    var el = state.el;
    var url = el && el.getAttribute("data-positions-url");
    if (!url || !document.body.contains(el)) return Promise.resolve(null);
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) return null;
        drawPositions(body.positions);
        updated(body.updated);
        return body;
      })
      .catch(function () { return null; /* offline for a moment: the next tick tries again */ });
  }

  function schedule(el) {
    if (state.timer) clearInterval(state.timer);
    state.timer = null;
    if (state.live) return;  // the stream brings the positions
    var every = Math.min(60, Math.max(30, parseInt(el.getAttribute("data-refresh-s") || "30", 10) || 30));
    if (!el.getAttribute("data-positions-url")) return;
    state.timer = setInterval(function () {
      if (!document.hidden) refreshPositions();
    }, every * 1000);
  }

  function init() {
    var el = document.querySelector("[data-delivery-map]");
    if (!el) { closeLive(); return; }  // left the screen (an HTMX-boosted navigation)
    if (typeof window.L === "undefined") return;
    var data = readData();
    if (!data) return;
    if (state.el !== el || !state.map) {
      if (state.map) { state.map.remove(); }
      state.el = el;
      state.map = L.map(el, { zoomControl: true, attributionControl: true, zoomSnap: 0.25 });
      var tiles = tileLayer(el);
      if (tiles) tiles.addTo(state.map);
      state.layers = L.layerGroup().addTo(state.map);
      state.positions = L.layerGroup().addTo(state.map);
      el.setAttribute("data-map-ready", "1");
    }
    draw(data);
    el.setAttribute("data-drawn", String((parseInt(el.getAttribute("data-drawn") || "0", 10) || 0) + 1));
    schedule(el);
    openLive(el);
  }

  function positions() {  // where the courier markers are now (the browser test reads it)
    return Object.keys(state.markers).map(function (id) {
      var at = state.markers[id].marker.getLatLng();
      return { courier_id: Number(id), lat: at.lat, lon: at.lng };
    });
  }

  window.KladovkaDeliveryMap = { init: init, refreshPositions: refreshPositions, positions: positions,
    live: function () { return state.live; }, map: function () { return state.map; } };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  document.addEventListener("htmx:afterSettle", function () { init(); });
})();
