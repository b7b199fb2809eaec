// Map page: draws the bureau outlines of one commune as SVG paths, with no
// request to any host other than this service.
"use strict";

(function () {
  const root = document.documentElement;
  const text = JSON.parse(document.getElementById("texts").textContent);
  const svg = document.getElementById("map");
  const select = document.getElementById("commune");
  const info = document.getElementById("info");
  const status = document.getElementById("status");
  const SVG_NS = "http://www.w3.org/2000/svg";
  const SIZE = 1000;
  const lang = root.lang === "en" ? "en" : "fr";
  const number = new Intl.NumberFormat(lang === "en" ? "en-GB" : "fr-FR");

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json", "Accept-Language": lang } });
    if (!response.ok) {
      throw new Error(url + ": HTTP " + response.status);
    }
    return response.json();
  }

  function formatCount(value, secret) {
    if (secret) {
      return text.secret;
    }
    return value === null || value === undefined ? "–" : number.format(value);
  }

  // Equirectangular projection scaled by the cosine of the mid latitude,
  // which keeps shapes true enough at the size of a commune.
  function projection(features) {
    let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
    for (const feature of features) {
      for (const polygon of feature.geometry.coordinates) {
        for (const [x, y] of polygon[0]) {
          minx = Math.min(minx, x); maxx = Math.max(maxx, x);
          miny = Math.min(miny, y); maxy = Math.max(maxy, y);
        }
      }
    }
    const kx = Math.cos(((miny + maxy) / 2) * Math.PI / 180);
    const scale = SIZE / Math.max((maxx - minx) * kx, maxy - miny, 1e-9);
    const width = (maxx - minx) * kx * scale;
    const height = (maxy - miny) * scale;
    svg.setAttribute("viewBox", "0 0 " + width.toFixed(1) + " " + height.toFixed(1));
    return ([x, y]) => [((x - minx) * kx * scale).toFixed(2), ((maxy - y) * scale).toFixed(2)];
  }

  function pathData(geometry, project) {
    const parts = [];
    for (const polygon of geometry.coordinates) {
      for (const ring of polygon) {
        parts.push("M" + ring.map((point) => project(point).join(" ")).join("L") + "Z");
      }
    }
    return parts.join("");
  }

  function colour(value, maximum) {
    if (value === null || maximum <= 0) {
      return "#ddd";
    }
    const share = value / maximum;
    const lightness = 92 - Math.round(share * 50);
    return "hsl(210, 60%, " + lightness + "%)";
  }

  async function showBureau(feature, path) {
    for (const other of svg.querySelectorAll("path.selected")) {
      other.classList.remove("selected");
    }
    path.classList.add("selected");
    const properties = feature.properties;
    const rows = [
      [text.bureau, properties.code + (properties.label ? " – " + properties.label : "")],
      [text.voters, formatCount(properties.voters, properties.secret)],
    ];
    info.replaceChildren();
    const title = document.createElement("h2");
    title.textContent = feature.id;
    info.append(title, table(rows));
    info.dataset.bureau = feature.id;
    try {
      // The main list, which the bureaux collection also counts: its table is
      // never withheld for differencing with another électorat.
      const query = "?commune=" + encodeURIComponent(properties.commune) + "&group_by=bureau,sexe&electorat=presidentielle";
      const stats = await getJson("/stats" + query);
      const bySex = stats.cells
        .filter((cell) => cell.bureau === feature.id)
        .map((cell) => [text.sexe + " " + cell.sexe, formatCount(cell.voters, cell.secret)]);
      if (bySex.length) {
        info.append(table(bySex));
      }
    } catch (error) {
      status.textContent = error.message;
    }
  }

  function table(rows) {
    const element = document.createElement("table");
    for (const [name, value] of rows) {
      const row = element.insertRow();
      const head = document.createElement("th");
      head.textContent = name;
      row.append(head);
      row.insertCell().textContent = value;
    }
    return element;
  }

  async function drawCommune(code) {
    status.textContent = text.loading;
    svg.replaceChildren();
    info.replaceChildren();

    const data = await getJson("/collections/bureaux/items?limit=10000&commune=" + encodeURIComponent(code));
    const features = data.features.filter((feature) => feature.geometry);
    if (!features.length) {
      status.textContent = text.empty;
      return;
    }

    const project = projection(features);
    const maximum = Math.max(...features.map((feature) => feature.properties.voters || 0));
    for (const feature of features) {
      const path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", pathData(feature.geometry, project));
      path.setAttribute("fill", colour(feature.properties.voters, maximum));
      path.setAttribute("fill-rule", "evenodd");
      path.setAttribute("tabindex", "0");
      path.dataset.bureau = feature.id;
      const tooltip = document.createElementNS(SVG_NS, "title");
      tooltip.textContent = feature.id + " : " + formatCount(feature.properties.voters, feature.properties.secret);
      path.append(tooltip);
      path.addEventListener("click", () => showBureau(feature, path));
      path.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          showBureau(feature, path);
        }
      });
      svg.append(path);
    }

    status.textContent = text.drawn.replace("{count}", features.length);
    svg.dataset.commune = code;
    svg.dataset.drawn = String(features.length);
  }

  async function start() {
    try {
      const communes = await getJson("/collections/communes/items?limit=10000");
      for (const feature of communes.features) {
        const option = document.createElement("option");
        option.value = feature.id;
        option.textContent = feature.id + " – " + (feature.properties.label || "");
        select.append(option);
      }
      const wanted = new URLSearchParams(window.location.search).get("commune");
      const withOutlines = communes.features.find((feature) => feature.properties.bureaux > 0);
      const first = wanted || (withOutlines ? withOutlines.id : select.value);
      if (first) {
        select.value = first;
        await drawCommune(first);
      } else {
        status.textContent = text.empty;
      }
    } catch (error) {
      status.textContent = error.message;
    }
  }

  select.addEventListener("change", () => {
    const url = new URL(window.location.href);
    url.searchParams.set("commune", select.value);
    window.history.replaceState(null, "", url);
    drawCommune(select.value).catch((error) => { status.textContent = error.message; });
  });
  start();
})();
