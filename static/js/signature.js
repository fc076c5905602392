// Signature on a tablet: signature_pad (vendored), sized for the screen's devicePixelRatio.
// The strokes are posted as numbers; the server renders them itself (never client SVG).
(function () {
  "use strict";
  var canvas = document.getElementById("signature-canvas");
  var form = document.getElementById("signature-form");
  if (!canvas || !form || typeof window.SignaturePad !== "function") {
    return;
  }
  var field = form.querySelector("input[name=signature_json]");
  var status = document.getElementById("signature-status");
  var pad = new window.SignaturePad(canvas, { minWidth: 1, maxWidth: 3, penColor: "#000" });

  function resize() {
    var data = pad.toData();
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(data);
  }

  function clamp(value, max) {
    return Math.round(Math.min(Math.max(value, 0), max) * 10) / 10;
  }

  function store() {
    var width = canvas.offsetWidth;
    var height = canvas.offsetHeight;
    if (pad.isEmpty()) {
      field.value = "";
      status.textContent = "Le cadre est vide.";
      return;
    }
    var strokes = pad.toData().map(function (group) {
      return group.points.map(function (point) {
        return [clamp(point.x, width), clamp(point.y, height)];
      });
    });
    field.value = JSON.stringify({ width: width, height: height, strokes: strokes });
    status.textContent = "Signature enregistrée (" + strokes.length + " trait(s)).";
    var drawn = form.querySelector("input[name=mode][value=drawn]");
    if (drawn) {
      drawn.checked = true;
    }
  }

  document.getElementById("signature-undo").addEventListener("click", function () {
    var data = pad.toData();
    data.pop();
    pad.fromData(data);
    store();
  });
  document.getElementById("signature-clear").addEventListener("click", function () {
    pad.clear();
    store();
  });
  pad.addEventListener("endStroke", store);
  window.addEventListener("resize", resize);
  resize();
  if (field.value) {
    status.textContent = "";
  }
})();
