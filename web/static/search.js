// Filters apply as soon as one is ticked; without JavaScript the "Apply filters" button does it.
// Empty fields are left out of the submitted address so links stay short and shareable.
(function () {
  "use strict";
  var form = document.querySelector("form.search");
  if (!form) return;
  function submit() {
    Array.prototype.forEach.call(form.querySelectorAll("input, select"), function (el) {
      if (el.name && el.value === "" && el.type !== "checkbox") el.disabled = true;
    });
    if (form.elements.sort && form.elements.sort.value === "relevance") {
      form.elements.sort.disabled = true;
    }
  }
  form.addEventListener("submit", submit);
  form.addEventListener("change", function (event) {
    if (event.target.matches('.facets input[type="checkbox"], select[data-autosubmit]')) {
      submit();
      form.submit();
    }
  });
  // Coming back with the Back button restores a page whose fields were disabled: re-enable them.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(form.querySelectorAll("[disabled]"), function (el) {
      el.disabled = false;
    });
  });
})();
