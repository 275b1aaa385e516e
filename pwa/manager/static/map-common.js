/* Shared by the manager's maps (delivery zones, the order's pin, the delivery planning map):
   window.KladovkaMap = {
     tileLayer(el)          → an L.TileLayer from el's data-tiles (URL pattern) / data-attribution, or null
                              when data-tiles is empty (a blank background: everything else still draws),
     create(el, options)    → an L.map on el with those tiles; marks el[data-map-ready="1"],
     centre(el)             → [lat, lon] from el's data-centre ("55.75,37.61"), Moscow when absent,
     fit(map, bounds, el)   → fits to an L.LatLngBounds / a layer with getBounds(), else the centre,
     zonesLayer(geojson, o) → an L.geoJSON of zones, each in its properties.color; o.onEachZone(feature, layer),
     readJSON(id)           → the parsed JSON of <script type="application/json" id=id>, or null
   }. Needs Leaflet (vendor/leaflet.js) loaded first. */
(function () {
  "use strict";
  var MOSCOW = [55.751, 37.618];

  function tileLayer(el) {
    var url = (el && el.getAttribute("data-tiles")) || "";
    if (!url) return null;
    return L.tileLayer(url, { maxZoom: 19, attribution: el.getAttribute("data-attribution") || "" });
  }

  function centre(el) {
    var text = (el && el.getAttribute("data-centre")) || "";
    var parts = text.split(",").map(parseFloat);
    return parts.length === 2 && isFinite(parts[0]) && isFinite(parts[1]) ? parts : MOSCOW;
  }

  function create(el, options) {
    var map = L.map(el, Object.assign({ zoomControl: true, attributionControl: true }, options || {}));
    var tiles = tileLayer(el);
    if (tiles) tiles.addTo(map);
    map.setView(centre(el), 10);
    el.setAttribute("data-map-ready", "1");
    return map;
  }

  function fit(map, what, el) {
    var bounds = what && typeof what.getBounds === "function" ? what.getBounds() : what;
    if (bounds && typeof bounds.isValid === "function" && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 15 });
    } else {
      map.setView(centre(el), 10);
    }
  }

  function zoneStyle(feature) {
    var color = (feature && feature.properties && feature.properties.color) || "#3388ff";
    var active = !(feature && feature.properties && feature.properties.active === false);
    return { color: color, weight: 2, fillColor: color, fillOpacity: active ? 0.18 : 0.05, dashArray: active ? null : "4 4" };
  }

  function zonesLayer(geojson, options) {
    var o = options || {};
    return L.geoJSON(geojson || { type: "FeatureCollection", features: [] }, {
      style: zoneStyle,
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        if (p.name) layer.bindTooltip(String(p.name), { sticky: true });
        if (o.onEachZone) o.onEachZone(feature, layer);
      },
    });
  }

  function readJSON(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent || "null"); } catch (e) { return null; }
  }

  window.KladovkaMap = { tileLayer: tileLayer, create: create, centre: centre, fit: fit, zonesLayer: zonesLayer,
                         zoneStyle: zoneStyle, readJSON: readJSON };
})();
