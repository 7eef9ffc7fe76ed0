// Live preview of a subscription: what it would have matched lately, as the user edits it.
// Without JavaScript the form's "Preview" button asks the server for the same list.
// Crawled titles go in with textContent only, never innerHTML.
(function () {
  "use strict";
  var form = document.getElementById("sub-form");
  var box = document.getElementById("preview");
  if (!form || !box) return;
  var list = box.querySelector(".preview-list");
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

  function body() {
    return {
      name: text("name"), email: text("email") || "preview@example.org",
      organisation: text("organisation") || null, lang: form.elements.alert_lang.value,
      themes: values("themes"), keywords: text("keywords"), kinds: values("kinds"),
      programmes: text("programmes").split(",").map(function (s) { return s.trim(); })
        .filter(Boolean),
      eligibility: values("eligibility"), min_budget: number("min_budget"),
      deadline_horizon_days: number("deadline_horizon_days"),
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
    list.replaceChildren();
    data.matches.forEach(function (m) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "/items/" + encodeURIComponent(m.item.id).replace(/%3A/g, ":") +
        (lang === "fi" ? "?lang=fi" : "");
      a.textContent = m.item.title;
      var why = document.createElement("span");
      why.className = "muted";
      why.textContent = " · " + m.reasons.join("; ");
      li.append(a, why);
      list.append(li);
    });
  }

  function refresh() {
    var mine = ++seq;
    var days = number("preview_days") || 30;
    fetch("/api/subscriptions/preview?limit=20&days=" + encodeURIComponent(days), {
      method: "POST", headers: {"Content-Type": "application/json"},
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
