// Check-in: a camera scanner as progressive enhancement. Where the browser has the
// BarcodeDetector API and a camera, a "Scan with the camera" button appears; a QR code found
// fills the code field and submits the form. Without it, staff paste or type as before.
(function () {
  "use strict";
  var form = document.getElementById("checkin-form");
  var field = document.getElementById("id_code");
  var box = document.getElementById("scanner");
  if (!form || !field || !box || !("BarcodeDetector" in window) ||
      !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var start = box.querySelector("[data-scan-start]");
  var stop = box.querySelector("[data-scan-stop]");
  var video = box.querySelector("video");
  var status = box.querySelector("[data-scan-status]");
  var stream = null;
  var timer = null;
  box.hidden = false;

  function halt() {
    if (timer) { clearTimeout(timer); timer = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    video.hidden = true;
    stop.hidden = true;
    start.hidden = false;
  }

  start.addEventListener("click", function () {
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") === -1) { throw new Error("no qr_code"); }
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
        .then(function (media) {
          stream = media;
          video.srcObject = media;
          video.hidden = false;
          start.hidden = true;
          stop.hidden = false;
          status.textContent = status.getAttribute("data-looking");
          return video.play().then(function () {
            var look = function () {
              detector.detect(video).then(function (codes) {
                if (codes.length && codes[0].rawValue) {
                  field.value = codes[0].rawValue;
                  halt();
                  form.submit();
                  return;
                }
                timer = setTimeout(look, 250);
              }).catch(function () { timer = setTimeout(look, 500); });
            };
            look();
          });
        });
    }).catch(function () {
      halt();
      status.textContent = status.getAttribute("data-unavailable");
    });
  });
  stop.addEventListener("click", halt);
})();
