/* The delivery zones screen: every zone drawn in its colour; with Leaflet-Geoman a new zone is drawn
   (polygon or rectangle) or the zone being edited is reshaped by its corners. The outline is written as
   GeoJSON into the form's geometry field (data-geometry-field); the form is submitted as usual. A
   GeoJSON pasted into that field is shown on the map too. Without this script the form still works. */
(function () {
  "use strict";
  var state = { el: null, map: null, drawn: null };

  function field() {
    var sel = state.el && state.el.getAttribute("data-geometry-field");
    return sel ? document.querySelector(sel) : null;
  }

  function write(layer) {
    var input = field();
    if (!input || !layer) return;
    input.value = JSON.stringify(layer.toGeoJSON().geometry);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    state.el.setAttribute("data-geometry-written", String(Date.now()));
  }

  function watch(layer) {
    layer.on("pm:edit pm:markerdragend pm:vertexadded pm:vertexremoved", function () { write(layer); });
  }

  function showTyped() {
    var input = field();
    if (!input || !input.value.trim()) return;
    var geometry;
    try { geometry = JSON.parse(input.value); } catch (e) { return; }
    if (state.drawn) { state.map.removeLayer(state.drawn); state.drawn = null; }
    try {
      var group = L.geoJSON(geometry, { style: { color: "#d9480f", weight: 3, fillOpacity: 0.15 } });
      var inner = group.getLayers()[0];
      if (!inner) return;
      inner.addTo(state.map);
      state.drawn = inner;
      if (inner.pm) { inner.pm.enable({ allowSelfIntersection: false }); watch(inner); }
    } catch (e) { /* not drawable: the server says why on save */ }
  }

  function init() {
    var el = document.querySelector("[data-zones-map]");
    if (!el || typeof window.L === "undefined" || !window.KladovkaMap) return;
    if (state.el === el && state.map) return;
    if (state.map) state.map.remove();
    state.el = el;
    state.drawn = null;
    var data = KladovkaMap.readJSON("zones-map-data") || {};
    var map = state.map = KladovkaMap.create(el);
    var editing = data.editing;
    var count = 0;
    var all = KladovkaMap.zonesLayer(data.zones, {
      onEachZone: function (feature) { count += 1; if (feature.id === editing) { /* drawn editable below */ } },
    });
    all.eachLayer(function (layer) {
      if (editing != null && layer.feature && layer.feature.id === editing) return;
      layer.addTo(map);
    });
    el.setAttribute("data-zones-drawn", String(count));
    KladovkaMap.fit(map, all, el);
    var input = field();
    if (input && input.value.trim()) showTyped();
    if (map.pm) {
      map.pm.setLang(document.documentElement.lang === "ru" ? "ru" : "en");
      map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
                           drawCircle: false, drawText: false, cutPolygon: false, rotateMode: false,
                           editMode: false, dragMode: false, removalMode: false, drawRectangle: true,
                           drawPolygon: true });
      map.pm.setGlobalOptions({ allowSelfIntersection: false, snappable: true });
      map.on("pm:create", function (e) {
        if (state.drawn) map.removeLayer(state.drawn);
        state.drawn = e.layer;
        write(e.layer);
        e.layer.pm.enable({ allowSelfIntersection: false });
        watch(e.layer);
      });
    }
    if (input) input.addEventListener("change", showTyped);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:afterSettle", init);
})();
