// Survey pages: a question shown only for some answers to a question of the same page is
// hidden until one of those answers is chosen. Without this script every question stays
// visible with its hint, and the server ignores the answers of questions it does not show.
(function () {
  "use strict";
  var form = document.querySelector(".rupn-survey-form");
  if (!form) return;
  var dependents = form.querySelectorAll("[data-shown-if]");
  if (!dependents.length) return;

  function chosen(key) {
    var inputs = form.querySelectorAll('input[name="q-' + key + '"]');
    var values = [];
    inputs.forEach(function (input) {
      if (input.checked) values.push(input.value);
    });
    return values;
  }

  function update() {
    dependents.forEach(function (block) {
      var parentBlock = form.querySelector("#question-" + block.dataset.shownIf + "-bloc");
      var wanted = (block.dataset.shownIfOptions || "").split(" ");
      var shown = (!parentBlock || !parentBlock.hidden) &&
        chosen(block.dataset.shownIf).some(function (v) { return wanted.indexOf(v) !== -1; });
      block.hidden = !shown;
    });
  }

  form.addEventListener("change", update);
  update();
})();
