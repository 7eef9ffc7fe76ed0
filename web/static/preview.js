// Live preview of a subscription: what it would have matched lately, as the user edits it.
// Without JavaScript the form's "Preview" button asks the server for the same list.
// Crawled titles go in with textContent only, never innerHTML.
(function () {
  "use strict";
  var form = document.getElementById("sub-form");
  var box = document.getElementById("preview");
  if (!form || !box) return;
  var matches = box.querySelector(".preview-list");
  var summary = box.querySelector(".preview-summary");
  var heading = box.querySelector("h2");
  var errorBox = box.querySelector(".preview-error");
  var lang = box.dataset.lang;
  var timer = null;
  var seq = 0;

  function values(name) {
    return Array.prototype.map.call(form.querySelectorAll('[name="' + name + '"]:checked'),
      function (el) { return el.value; });
  }
  function text(name) { return (form.elements[name].value || "").trim(); }
  function number(name) {
    var raw = text(name).replace(/\s/g, "").replace(",", ".");
    return raw === "" ? null : Number(raw);
  }

  function list(name) {
    return text(name).split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  }

  function body() {
    var hook = text("webhook_url");
    var days = list("reminders").map(Number).filter(function (n) {
      return Number.isInteger(n) && n >= 0 && n <= 365;
    });
    return {
      name: text("name"),
      // The preview needs somewhere to send; it sends nothing, so a placeholder will do.
      email: text("email") || (hook ? null : "preview@example.org"),
      webhook_url: /^https?:\/\/\S+$/.test(hook) ? hook : null,
      organisation: text("organisation") || null, lang: form.elements.alert_lang.value,
      themes: values("themes"), keywords: text("keywords"), kinds: values("kinds"),
      programmes: list("programmes"), geography: list("geography"),
      eligibility: values("eligibility"), min_budget: number("min_budget"),
      deadline_horizon_days: number("deadline_horizon_days"), reminders: days,
      frequency: form.elements.frequency.value, active: true
    };
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function render(data) {
    heading.textContent = box.dataset.titleTemplate
      .replace("{n}", data.total).replace("{days}", data.days);
    summary.textContent = box.dataset.alertedTemplate.replace("{m}", data.alerted);
    matches.replaceChildren();
    data.matches.forEach(function (m) {
      var li = document.createElement("li");
      if (!m.alerted) li.className = "not-alerted";
      var a = document.createElement("a");
      a.href = "/items/" + encodeURIComponent(m.item.id).replace(/%3A/g, ":") +
        (lang !== "en" ? "?lang=" + lang : "");
      a.textContent = m.item.title;
      li.append(a);
      if (m.status) {
        var chip = document.createElement("span");
        chip.className = "chip status-" + m.status;
        chip.textContent = box.dataset["status" + m.status[0].toUpperCase() + m.status.slice(1)] || m.status;
        li.append(" ", chip);
      }
      if (!m.alerted) {
        var note = document.createElement("span");
        note.className = "muted";
        note.textContent = " · " + box.dataset.closedText;
        li.append(note);
      }
      var why = document.createElement("ul");
      why.className = "reasons muted";
      m.reasons.forEach(function (line) {
        var item = document.createElement("li");
        item.textContent = line;
        why.append(item);
      });
      li.append(why);
      matches.append(li);
    });
  }

  function refresh() {
    var mine = ++seq;
    var days = number("preview_days") || 30;
    fetch("/api/subscriptions/preview?limit=20&lang=" + lang + "&days=" + encodeURIComponent(days), {
      method: "POST", headers: {"Content-Type": "application/json"}, credentials: "same-origin",
      body: JSON.stringify(body())
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      if (mine !== seq) return;  // an older answer arriving late must not overwrite a newer one
      if (!result.ok) {
        var d = result.data.detail;
        showError(Array.isArray(d) ? d.map(function (e) { return e.msg; }).join("; ") : String(d));
        return;
      }
      showError("");
      render(result.data);
    }).catch(function () { /* offline: the Preview button still works */ });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 350);
  }
  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  refresh();
})();
