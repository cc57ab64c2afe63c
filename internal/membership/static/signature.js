// Signature pad for the membership form. Progressive enhancement: without
// this script the form still works (upload or typed signature); with it the
// "draw" option appears and only the chosen way of signing is shown.
// Served from our origin (CSP script-src 'self'); no inline code anywhere.
(function () {
  "use strict";
  var form = document.querySelector("form.join-form");
  if (!form) { return; }

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  Array.prototype.forEach.call(form.querySelectorAll("[data-js-only]"), function (el) {
    el.hidden = false;
  });

  var radios = form.querySelectorAll("input[name=sign_method]");
  var panels = { draw: "panel-draw", upload: "panel-upload", typed: "panel-typed" };
  function checked() {
    for (var i = 0; i < radios.length; i++) { if (radios[i].checked) { return radios[i].value; } }
    return "";
  }
  if (!checked()) { document.getElementById("f-sign-draw").checked = true; }
  function showPanels() {
    var m = checked();
    Object.keys(panels).forEach(function (k) {
      var p = document.getElementById(panels[k]);
      if (p) { p.hidden = (k !== m); }
    });
  }
  Array.prototype.forEach.call(radios, function (r) { r.addEventListener("change", showPanels); });
  showPanels();

  var canvas = document.getElementById("signature-pad");
  var data = document.getElementById("f-signature_data");
  if (!canvas || !canvas.getContext || !data) { return; }
  var ctx = canvas.getContext("2d");
  ctx.lineWidth = 2.5;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#000";
  var drawing = false, drawn = false, last = null;

  // A signature kept from an earlier attempt is painted back onto the pad.
  if (data.value && checked() === "draw") {
    var img = new Image();
    img.onload = function () { ctx.drawImage(img, 0, 0, canvas.width, canvas.height); drawn = true; };
    img.src = data.value;
    var kept = document.getElementById("sign-kept-draw");
    if (kept) { kept.hidden = true; }
  }

  function point(e) {
    var r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * canvas.width / r.width, y: (e.clientY - r.top) * canvas.height / r.height };
  }
  function save() {
    if (drawn) { data.value = canvas.toDataURL("image/png"); }
  }
  canvas.addEventListener("pointerdown", function (e) {
    e.preventDefault();
    drawing = true;
    last = point(e);
    if (canvas.setPointerCapture) { try { canvas.setPointerCapture(e.pointerId); } catch (_) {} }
    ctx.beginPath();
    ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fill();
    drawn = true;
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) { return; }
    e.preventDefault();
    var p = point(e);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
  });
  function end() { if (drawing) { drawing = false; save(); } }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", end);

  var clear = document.getElementById("signature-clear");
  if (clear) {
    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      data.value = "";
    });
  }
  form.addEventListener("submit", function () {
    save();
    // A kept drawing must not travel with another way of signing.
    if (checked() !== "draw" && checked() !== "upload") { data.value = ""; }
  });
})();
