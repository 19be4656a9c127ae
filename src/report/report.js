// Interactivity for the precis report: clicking or hovering a summary sentence shows the
// sentences of other sources that say the same, and lights them up on the map.
(function () {
  "use strict";
  const errors = document.getElementById("errors");
  window.addEventListener("error", (e) => { errors.textContent += e.message + "\n"; });
  const data = JSON.parse(document.getElementById("precis-data").textContent);
  const panel = document.getElementById("support");
  const points = Array.from(document.querySelectorAll("svg .pt"));

  function text(tag, cls, content) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = content;
    return el;
  }

  function show(item) {
    const entry = data.summary[Number(item.dataset.rank)];
    document.querySelectorAll("ol.summary li").forEach((li) => li.classList.toggle("active", li === item));
    panel.replaceChildren(text("h2", null, "Reported by " + entry.reported_by + " of " + data.n_sources + " sources"));
    const own = data.sentences[entry.sentence];
    const first = document.createElement("p");
    first.append(text("span", "src", data.documents[own.doc].id + ": "), text("span", null, own.text));
    panel.append(first);
    if (entry.support.length === 0) panel.append(text("p", "muted", "No other source says this."));
    for (const s of entry.support) {
      const sentence = data.sentences[s.sentence];
      const p = document.createElement("p");
      p.append(
        text("span", "src", data.documents[sentence.doc].id + ": "),
        text("span", null, sentence.text + " "),
        text("span", "cos", "cosine " + s.cosine.toFixed(2)),
      );
      panel.append(p);
    }
    const lit = new Set([entry.sentence, ...entry.support.map((s) => s.sentence)]);
    points.forEach((pt) => {
      const i = Number(pt.dataset.s);
      pt.classList.toggle("lit", lit.has(i));
      pt.classList.toggle("dim", !lit.has(i));
    });
  }

  document.querySelectorAll("ol.summary li").forEach((li) => {
    li.addEventListener("click", () => show(li));
    li.addEventListener("mouseenter", () => show(li));
  });
  const first = document.querySelector("ol.summary li");
  if (first) show(first);
})();
