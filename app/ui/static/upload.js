// Photo uploads built for phones on bad connections: several files or the camera, one
// upload at a time with a progress bar each, automatic retries of a failed file with the
// same Idempotency-Key (so a retry of an upload that did arrive gets its first answer and
// never stores it twice), and a list of what was accepted, a duplicate, or refused and why.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const uploadUrl = form.dataset.uploadUrl;
  const maxBytes = Number(form.dataset.maxBytes);
  const queueList = document.getElementById("upload-queue");
  const button = document.getElementById("upload-button");
  const summary = document.getElementById("upload-summary");
  const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000];
  // Worth sending again: no answer at all, or the server asking for a later try.
  const RETRYABLE = new Set([0, 408, 409, 425, 429, 500, 502, 503, 504]);
  const items = [];
  let running = false;

  function newKey() {
    // A random UUID; crypto.randomUUID exists only on https, getRandomValues everywhere.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function sizeText(bytes) {
    return bytes < 1048576 ? Math.round(bytes / 1024) + " KB" : (bytes / 1048576).toFixed(1) + " MB";
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setState(item, state, text) {
    item.state = state;
    item.li.className = "upload-item state-" + state;
    item.li.dataset.state = state;
    item.outcome.textContent = text;
  }

  function refreshButton() {
    const waiting = items.filter((item) => item.state === "waiting").length;
    button.disabled = running || waiting === 0;
    button.textContent = waiting ? "Upload " + waiting + " photo" + (waiting === 1 ? "" : "s") : "Upload";
  }

  function addFiles(files) {
    for (const file of files) {
      const li = element("li");
      const name = element("span", "file-name", file.name);
      name.dir = "auto";
      li.append(name, " ", element("span", "meta", sizeText(file.size)));
      const progress = element("progress");
      progress.max = 100;
      progress.value = 0;
      const outcome = element("div", "outcome");
      li.append(progress, outcome);
      queueList.appendChild(li);
      const item = { file: file, key: newKey(), li: li, progress: progress, outcome: outcome };
      li.dataset.idempotencyKey = item.key;
      items.push(item);
      if (file.size > maxBytes) {
        setState(item, "refused", "Refused: larger than the " + sizeText(maxBytes) + " accepted.");
      } else {
        setState(item, "waiting", "Waiting to be sent.");
      }
    }
    summary.textContent = "";
    refreshButton();
  }

  for (const input of form.querySelectorAll('input[type="file"]')) {
    input.addEventListener("change", function () {
      addFiles(input.files);
      input.value = ""; // the same photo may be chosen again later
    });
  }

  function fieldsNow() {
    const fields = [];
    for (const name of ["caption", "photographer", "license", "assessment_id"]) {
      const value = form.elements[name].value.trim();
      if (value) fields.push([name, value]);
    }
    return fields;
  }

  function send(item) {
    return new Promise(function (resolve) {
      const request = new XMLHttpRequest();
      request.open("POST", uploadUrl);
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("X-CSRF-Token", csrfToken);
      request.setRequestHeader("Idempotency-Key", item.key);
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) item.progress.value = Math.round((event.loaded / event.total) * 100);
      });
      request.addEventListener("load", function () {
        let body = null;
        try { body = JSON.parse(request.responseText); } catch (error) { body = null; }
        resolve({ status: request.status, body: body });
      });
      for (const failure of ["error", "timeout", "abort"]) {
        request.addEventListener(failure, function () { resolve({ status: 0, body: null }); });
      }
      const data = new FormData();
      data.append("file", item.file, item.file.name);
      for (const [name, value] of item.fields) data.append(name, value);
      request.send(data);
    });
  }

  function wait(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

  function accepted(item, photo) {
    item.progress.value = 100;
    const duplicate = photo.duplicate;
    setState(item, duplicate ? "duplicate" : "accepted",
      duplicate ? "Duplicate: already photo " + photo.id + " of this monument; not stored again."
                : "Accepted as photo " + photo.id + ".");
    item.li.dataset.photoId = photo.id;
    const link = element("a", null, "See it");
    link.href = "/ui/photos/" + photo.id;
    item.outcome.append(" ", link);
    if (photo.location_mismatch) {
      item.outcome.append(element("p", "warning location-mismatch",
        "⚠ Its GPS position is " + Math.round(photo.distance_m / 100) / 10 + " km from the monument."));
    }
  }

  async function upload(item) {
    for (let attempt = 1; ; attempt += 1) {
      item.attempts = attempt;
      item.li.dataset.attempts = attempt;
      setState(item, "sending", attempt === 1 ? "Sending…" : "Sending again (attempt " + attempt + ")…");
      const answer = await send(item);
      if (answer.status === 200 || answer.status === 201) {
        accepted(item, answer.body);
        return;
      }
      const why = answer.body && answer.body.detail;
      if (!RETRYABLE.has(answer.status) || attempt > RETRY_DELAYS_MS.length) {
        const reason = why || (answer.status ? "the server answered " + answer.status : "no connection");
        const after = attempt > 1 ? " (after " + attempt + " attempts)" : "";
        setState(item, "refused", "Refused" + after + ": " + reason);
        return;
      }
      const delay = RETRY_DELAYS_MS[attempt - 1];
      setState(item, "retrying", (answer.status ? "The server answered " + answer.status : "The connection failed")
        + "; trying again in " + delay / 1000 + " s.");
      item.progress.value = 0;
      await wait(delay);
    }
  }

  function summarise() {
    const count = (state) => items.filter((item) => item.state === state).length;
    const parts = [count("accepted") + " accepted", count("duplicate") + " duplicate", count("refused") + " refused"];
    summary.textContent = "Done: " + parts.join(", ") + ".";
    summary.dataset.done = "true";
  }

  window.addEventListener("beforeunload", function (event) {
    if (running) event.preventDefault();
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (running) return;
    const fields = fieldsNow();
    const batch = items.filter((item) => item.state === "waiting");
    for (const item of batch) item.fields = fields;
    running = true;
    summary.dataset.done = "false";
    summary.textContent = "Uploading " + batch.length + " photo" + (batch.length === 1 ? "" : "s") + "…";
    refreshButton();
    for (const item of batch) await upload(item);
    running = false;
    refreshButton();
    summarise();
  });
})();
