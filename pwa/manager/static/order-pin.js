/* The order card's pin: a small map; a tap puts the marker there and fills the latitude / longitude
   fields of the pin form (the manager then saves it). Loads Leaflet itself when the card was opened by
   a boosted link (the page's head is not swapped then). The form works without this script. */
(function () {
  "use strict";

  function load(src, done) {
    if (document.querySelector('script[data-src="' + src + '"]')) {
      document.querySelector('script[data-src="' + src + '"]').addEventListener("load", done);
      return;
    }
    var s = document.createElement("script");
    s.src = src;
    s.setAttribute("data-src", src);
    s.onload = done;
    document.head.appendChild(s);
  }

  function ready(done) {
    var need = [];
    if (typeof window.L === "undefined") need.push("/static/common/vendor/leaflet.js");
    if (!window.KladovkaMap) need.push("/static/manager/map-common.js");
    (function next() {
      if (!need.length) return done();
      load(need.shift(), next);
    })();
  }

  function init() {
    var el = document.querySelector("[data-pin-map]");
    if (!el || el.getAttribute("data-map-ready")) return;
    var form = el.parentNode.querySelector("form");
    var lat = form && form.querySelector("[name=lat]");
    var lon = form && form.querySelector("[name=lon]");
    ready(function () {
      if (el.getAttribute("data-map-ready")) return;
      var map = KladovkaMap.create(el);
      var marker = null;
      function place(latlng, zoom) {
        if (marker) marker.setLatLng(latlng);
        else marker = L.circleMarker(latlng, { radius: 9, color: "#d9480f", weight: 3, fillOpacity: 0.6 }).addTo(map);
        if (zoom) map.setView(latlng, 13);
      }
      var zonesUrl = el.getAttribute("data-zones");
      if (zonesUrl && window.fetch) {  // the zones under the pin, for orientation (drawn below the marker)
        fetch(zonesUrl, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) return;
            var layer = KladovkaMap.zonesLayer(data).addTo(map);
            layer.bringToBack();
            el.setAttribute("data-zones-drawn", String(layer.getLayers().length));
          })
          .catch(function () { /* the pin works without them */ });
      }
      var a = parseFloat(String(lat && lat.value).replace(",", "."));
      var b = parseFloat(String(lon && lon.value).replace(",", "."));
      if (isFinite(a) && isFinite(b)) place([a, b], true);
      map.on("click", function (e) {
        place(e.latlng, false);
        if (lat) lat.value = e.latlng.lat.toFixed(6);
        if (lon) lon.value = e.latlng.lng.toFixed(6);
      });
      var details = el.closest("details");
      if (details) details.addEventListener("toggle", function () { map.invalidateSize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:afterSettle", init);
})();
