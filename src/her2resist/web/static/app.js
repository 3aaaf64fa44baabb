// her2resist pages: vocabulary suggestions, extra alteration fields, job progress.
// No inline script anywhere: the Content-Security-Policy allows scripts from this file only.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

function fillList(list, names) {
  list.replaceChildren(...names.map((name) => {
    const option = document.createElement("option");
    option.value = name;
    return option;
  }));
}

async function loadVocabulary() {
  const lists = [document.getElementById("alteration-names"), document.getElementById("regimen-names")];
  if (!lists[0] && !lists[1]) return;
  const response = await fetch("/api/vocabulary", {credentials: "same-origin"});
  if (!response.ok) return;
  const vocabulary = await response.json();
  if (lists[0]) fillList(lists[0], vocabulary.alterations);
  if (lists[1]) {
    const drugs = vocabulary.drugs.concat(vocabulary.classes);
    fillList(lists[1], drugs);
    // A regimen is names joined by " + ": suggest the next name after what is typed.
    document.querySelectorAll('input[list="regimen-names"]').forEach((input) => {
      input.addEventListener("input", () => {
        const cut = input.value.lastIndexOf("+");
        const prefix = cut < 0 ? "" : input.value.slice(0, cut + 1).trimEnd() + " ";
        fillList(lists[1], drugs.map((name) => prefix + name));
      });
    });
  }
}

function addAlterationField() {
  const button = document.getElementById("add-alteration");
  if (!button) return;
  button.addEventListener("click", () => {
    const input = document.createElement("input");
    input.name = "alteration";
    input.className = "alteration";
    input.setAttribute("list", "alteration-names");
    input.autocomplete = "off";
    button.before(input);
    input.focus();
  });
}

function watchJobs() {
  const rows = Array.from(document.querySelectorAll("[data-job]"))
    .filter((row) => ["queued", "running"].includes(row.querySelector(".status").textContent.trim()));
  if (!rows.length) return;
  const timer = setInterval(async () => {
    let open = 0;
    for (const row of rows) {
      const response = await fetch(`/api/jobs/${encodeURIComponent(row.dataset.job)}?result=false`,
                                   {credentials: "same-origin"});
      if (!response.ok) continue;
      const job = await response.json();
      row.querySelector(".status").textContent = job.status + (job.error ? ": " + job.error : "");
      const bar = row.querySelector("progress");
      bar.max = job.total || 1;
      bar.value = job.done;
      row.querySelector(".count").textContent = `${job.done}/${job.total}`;
      if (job.status === "queued" || job.status === "running") open += 1;
      else if (row.dataset.reload) window.location.reload();
    }
    if (!open) clearInterval(timer);
  }, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  loadVocabulary();
  addAlterationField();
  watchJobs();
});
window.her2resistCsrf = csrfToken;
