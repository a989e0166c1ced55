/* socialdash upload: a real <input type=file> inside #upload-data, streamed to POST /api/upload with
   XMLHttpRequest (progress bar), the JSON answer handed to Dash via set_props("upload-result"). */
(function () {
  "use strict";
  var ZONE_ID = "upload-data";

  function setProps(id, props) {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(id, props);
    }
  }

  function hand(result) {
    result.nonce = Date.now() + Math.random();
    setProps("upload-result", { data: result });
  }

  function progress(pct, label, visible) {
    setProps("upload-progress", {
      value: pct,
      label: label,
      className: "upload-progress" + (visible ? "" : " d-none"),
    });
  }

  function send(file, zone) {
    var max = parseInt(zone.getAttribute("data-max-bytes") || "0", 10);
    if (max && file.size > max) {
      hand({ error: "The file is larger than the " + Math.round(max / 1048576) +
        " MB this server accepts. Export fewer posts (for example a shorter date range) and try again." });
      return;
    }
    zone.classList.add("busy");
    progress(0, "Uploading " + file.name + "…", true);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/upload", true);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("X-Filename", encodeURIComponent(file.name));
    xhr.setRequestHeader("X-Socialdash-UI", "1");  // errors come back as 200 + {error}: a clean console
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        var pct = Math.round((e.loaded / e.total) * 100);
        progress(pct, pct < 100 ? pct + "%" : "Reading your file…", true);
      }
    };
    xhr.onload = function () {
      zone.classList.remove("busy");
      progress(100, "", false);
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      if (!body || typeof body !== "object") {
        body = { error: "The server could not read this upload (status " + xhr.status + "). Please try again." };
      }
      if (body.error) { body.file_name = file.name; }
      hand(body);
    };
    xhr.onerror = function () {
      zone.classList.remove("busy");
      progress(0, "", false);
      hand({ error: "The upload did not reach the server. Check your connection and try again." });
    };
    xhr.send(file);
  }

  function bind(zone) {
    if (zone.querySelector("input[type=file]")) { return; }
    var input = document.createElement("input");
    input.type = "file";
    input.className = "drop-input";
    input.setAttribute("accept", zone.getAttribute("data-accept") || "");
    input.setAttribute("aria-label", "Choose a file to upload");
    input.addEventListener("change", function () {
      if (input.files && input.files.length) {
        var file = input.files[0];
        send(file, zone);
        input.value = "";
      }
    });
    ["dragenter", "dragover"].forEach(function (ev) {
      zone.addEventListener(ev, function () { zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (ev) {
      zone.addEventListener(ev, function () { zone.classList.remove("dragging"); });
    });
    zone.appendChild(input);
  }

  function scan() {
    var zone = document.getElementById(ZONE_ID);
    if (zone) { bind(zone); }
  }

  var observer = new MutationObserver(scan);
  function start() {
    observer.observe(document.body, { childList: true, subtree: true });
    scan();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
