// Live flight positions pushed by the WebSocket API: a table and a small map, both updated as
// each broadcast arrives. The lesson fills in the API's URL.
(function () {
  "use strict";

  const wsUrl = "${WS_URL}";
  const flights = new Map();
  let broadcasts = 0;

  const connection = document.getElementById("connection");
  const counter = document.getElementById("broadcasts");
  const body = document.getElementById("flights");
  const canvas = document.getElementById("map");
  const context = canvas.getContext("2d");
  document.getElementById("ws-url").textContent = wsUrl;

  // The map shows Europe and around: longitude -30..45, latitude 25..65.
  const bounds = { west: -30, east: 45, south: 25, north: 65 };
  function project(lat, lon) {
    const x = ((lon - bounds.west) / (bounds.east - bounds.west)) * canvas.width;
    const y = ((bounds.north - lat) / (bounds.north - bounds.south)) * canvas.height;
    return [x, y];
  }

  function drawMap() {
    context.fillStyle = "#e8f0fb";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.strokeStyle = "#c7d4e8";
    context.lineWidth = 1;
    for (let lon = -30; lon <= 45; lon += 15) {
      const [x] = project(0, lon);
      context.beginPath(); context.moveTo(x, 0); context.lineTo(x, canvas.height); context.stroke();
    }
    for (let lat = 30; lat <= 60; lat += 10) {
      const [, y] = project(lat, 0);
      context.beginPath(); context.moveTo(0, y); context.lineTo(canvas.width, y); context.stroke();
    }
    for (const flight of flights.values()) {
      const [x, y] = project(flight.lat, flight.lon);
      if (flight.trail.length > 1) {
        context.strokeStyle = "#93b4e6";
        context.beginPath();
        flight.trail.forEach(function ([lat, lon], index) {
          const [tx, ty] = project(lat, lon);
          if (index === 0) context.moveTo(tx, ty); else context.lineTo(tx, ty);
        });
        context.stroke();
      }
      context.fillStyle = "#1d4ed8";
      context.beginPath(); context.arc(x, y, 5, 0, 2 * Math.PI); context.fill();
      context.fillStyle = "#1d2330";
      context.font = "12px system-ui, sans-serif";
      context.fillText(flight.flight, x + 8, y - 6);
    }
  }

  function drawTable() {
    body.textContent = "";
    for (const flight of flights.values()) {
      const row = document.createElement("tr");
      row.dataset.flight = flight.flight;
      for (const value of [flight.flight, flight.lat.toFixed(2), flight.lon.toFixed(2), flight.updated]) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.appendChild(cell);
      }
      body.appendChild(row);
    }
  }

  function receive(message) {
    let data;
    try { data = JSON.parse(message); } catch (error) { return; }
    if (data.type !== "positions" || !Array.isArray(data.positions)) return;
    broadcasts += 1;
    counter.textContent = String(broadcasts);
    const now = new Date().toLocaleTimeString();
    for (const position of data.positions) {
      if (typeof position.flight !== "string") continue;
      const lat = Number(position.lat);
      const lon = Number(position.lon);
      if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
      const known = flights.get(position.flight) || { flight: position.flight, trail: [] };
      known.lat = lat;
      known.lon = lon;
      known.updated = now;
      known.trail = known.trail.concat([[lat, lon]]).slice(-20);
      flights.set(position.flight, known);
    }
    drawTable();
    drawMap();
  }

  function connect() {
    const socket = new WebSocket(wsUrl);
    socket.onopen = function () { connection.textContent = "open"; };
    socket.onmessage = function (event) { receive(event.data); };
    socket.onclose = function () {
      connection.textContent = "closed — reconnecting…";
      setTimeout(connect, 2000);
    };
    socket.onerror = function () { connection.textContent = "error"; };
  }

  drawMap();
  connect();
})();
