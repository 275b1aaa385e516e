/* The delivery planning map (/manager/delivery): zones, the depot, routes as polylines in their courier's
   colour, stops as numbered markers, unassigned orders highlighted, couriers' latest positions.

   Data: the JSON in <script type="application/json" id="delivery-map-data"> next to the map element
   ([data-delivery-map]); the tables of the page are the real content and render without this script.
   Tiles: the URL in data-tiles (none: a blank background, everything else still drawn).
   Live: every data-refresh-s seconds (30–60) the positions are fetched again from data-positions-url.
   After an HTMX swap of the plan (optimise, move, lock …) the map redraws from the new data. */
(function () {
  "use strict";

  var state = { map: null, el: null, layers: null, positions: null, timer: null };

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
    (list || []).forEach(function (p) {
      if (p.lat == null || p.lon == null) return;
      L.marker([p.lat, p.lon], {
        icon: icon("courier-position", '<span style="background:' + esc(p.colour) + '">' + esc(p.initials || "") + "</span>"),
        title: (p.courier || "") + (p.at ? " · " + p.at : ""), keyboard: false, zIndexOffset: 1000,
      }).addTo(state.positions).bindPopup(esc(p.courier) + (p.at ? "<br>" + esc(p.at) : ""));
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
        var when = document.querySelector("[data-testid=positions-updated]");
        if (when && body.updated) when.textContent = body.updated;
        return body;
      })
      .catch(function () { return null; /* offline for a moment: the next tick tries again */ });
  }

  function schedule(el) {
    if (state.timer) clearInterval(state.timer);
    var every = Math.min(60, Math.max(30, parseInt(el.getAttribute("data-refresh-s") || "30", 10) || 30));
    if (!el.getAttribute("data-positions-url")) return;
    state.timer = setInterval(function () {
      if (!document.hidden) refreshPositions();
    }, every * 1000);
  }

  function init() {
    var el = document.querySelector("[data-delivery-map]");
    if (!el || typeof window.L === "undefined") return;
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
  }

  window.KladovkaDeliveryMap = { init: init, refreshPositions: refreshPositions, map: function () { return state.map; } };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  document.addEventListener("htmx:afterSettle", function () { init(); });
})();
