// Maps on the pages, drawn with Leaflet from the app's own files. Without tiles configured
// (EXCHANGE_MAP_TILES), a map shows the shipped municipalities and localities on a plain
// background; nothing is fetched from another host unless an operator configured it.
// Every map is an aid: each page works without it (places are also picked from lists).
(function () {
  "use strict";
  if (!window.L) return;
  let places = null;

  function loadPlaces() {
    if (!places) places = fetch("/app/places.json", {credentials: "same-origin"})
      .then(function (answer) { return answer.ok ? answer.json() : {municipalities: [], localities: []}; })
      .catch(function () { return {municipalities: [], localities: []}; });
    return places;
  }

  function baseMap(box) {
    const map = L.map(box, {preferCanvas: true, scrollWheelZoom: false, attributionControl: true});
    map.attributionControl.setPrefix(false);  // no link off the site unless tiles are configured
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, {maxZoom: 18, attribution: box.dataset.attribution || ""}).addTo(map);
    } else {
      box.classList.add("plain");
      loadPlaces().then(function (found) {
        found.municipalities.forEach(function (m) {
          L.circleMarker([m.lat, m.lon], {radius: 4, color: "#4a4a4a", weight: 1, fillOpacity: 0.6})
            .bindTooltip(m.name, {permanent: true, direction: "right", className: "place-label"}).addTo(map);
        });
        found.localities.forEach(function (p) {
          L.circleMarker([p.lat, p.lon], {radius: 2, color: "#7a7a7a", weight: 1, fillOpacity: 0.5})
            .bindTooltip(p.name).addTo(map);
        });
      });
    }
    return map;
  }

  function numberAt(name) {
    const field = document.querySelector('[name="' + name + '"]');
    const value = field && field.value ? parseFloat(field.value.replace(",", ".")) : NaN;
    return isNaN(value) ? null : value;
  }

  // A pin that people place by clicking or dragging; it writes the position's fields.
  function pinMap(box) {
    const lat = box.dataset.lat, lon = box.dataset.lon;
    const centre = box.dataset.centre.split(",").map(Number);
    const map = baseMap(box);
    const said = document.getElementById(box.dataset.status);
    let pin = null;
    const pinned = box.dataset.pinned && document.querySelector('[name="' + box.dataset.pinned + '"]');
    const name = box.dataset.name && document.querySelector('[name="' + box.dataset.name + '"]');
    function place(at, moveMap, byHand) {
      document.querySelector('[name="' + lat + '"]').value = at.lat.toFixed(6);
      document.querySelector('[name="' + lon + '"]').value = at.lng.toFixed(6);
      if (byHand && pinned) pinned.value = "1";
      if (byHand && name) name.value = "";
      if (!pin) {
        pin = L.marker(at, {draggable: true, keyboard: true, title: box.dataset.pinTitle || ""}).addTo(map);
        pin.on("dragend", function () { place(pin.getLatLng(), false, true); });
      } else pin.setLatLng(at);
      if (said) said.textContent = box.dataset.placed;
      if (box.dataset.radius) drawRadius(map, box, at);
      if (moveMap && box.circle) map.fitBounds(box.circle.getBounds());
      else if (moveMap) map.setView(at, 15);
    }
    const known = [numberAt(lat), numberAt(lon)];
    if (known[0] !== null && known[1] !== null) place(L.latLng(known[0], known[1]), true);
    else map.setView(centre, 11);
    map.on("click", function (event) { place(event.latlng, false, true); });
    // A place picked from the list replaces the pin: the server takes the place's centre.
    if (name) name.addEventListener("change", function () {
      if (!name.value) return;
      if (pinned) pinned.value = "";
      if (pin) { pin.remove(); pin = null; }
      if (said) said.textContent = box.dataset.unpinned || "";
    });
    if (box.dataset.radius) {
      const radius = document.querySelector('[name="' + box.dataset.radius + '"]');
      if (radius) radius.addEventListener("input", function () { if (pin) drawRadius(map, box, pin.getLatLng()); });
    }
  }

  function drawRadius(map, box, at) {
    const km = numberAt(box.dataset.radius) || 0;
    if (box.circle) box.circle.remove();
    box.circle = km > 0 ? L.circle(at, {radius: km * 1000, color: "#a4001d", fillOpacity: 0.1}).addTo(map) : null;
  }

  // A proposal's unit beside the household's danger zones (only its own case worker sees this).
  function offerMap(box) {
    const map = baseMap(box);
    const unit = L.latLng(box.dataset.unit.split(",").map(Number));
    const zones = JSON.parse(box.dataset.zones || "[]");
    // The view first: a circle has no bounds until its map has one.
    const seen = L.latLngBounds([unit, unit]);
    zones.forEach(function (z) { seen.extend(L.latLng(z[0], z[1]).toBounds(z[2] * 2000)); });
    map.fitBounds(seen.pad(0.15));
    L.marker(unit, {title: box.dataset.unitTitle || ""}).addTo(map);
    zones.forEach(function (z) {
      L.circle([z[0], z[1]], {radius: z[2] * 1000, color: "#a4001d", fillOpacity: 0.12}).addTo(map);
    });
  }

  // A unit where it is (its housing officer's page).
  function pointMap(box) {
    const map = baseMap(box);
    const at = box.dataset.point.split(",").map(Number);
    L.marker(at).addTo(map);
    map.setView(at, 14);
  }

  document.querySelectorAll("[data-js-only]").forEach(function (hint) { hint.hidden = false; });
  function draw(box) {
    box.hidden = false;
    ({pin: pinMap, offer: offerMap, point: pointMap})[box.dataset.map](box);
  }
  document.querySelectorAll("[data-map]").forEach(function (box) {
    const folded = box.closest("details");
    if (!folded || folded.open) return draw(box);
    // A map needs its size: drawn the first time its fold is opened.
    folded.addEventListener("toggle", function once() {
      if (!folded.open) return;
      folded.removeEventListener("toggle", once);
      draw(box);
    });
  });
})();
