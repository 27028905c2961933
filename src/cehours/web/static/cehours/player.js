// The course player (issue 11). It only reports; the server decides what was watched
// (cehours/rules/watching.py). README, "The heartbeat protocol", documents what it sends.
(function () {
  "use strict";
  var box = document.getElementById("player");
  if (!box) return;
  var video = document.getElementById("courseware");
  var status = document.getElementById("watch-status");
  var dialog = document.getElementById("check");
  var BEAT_MS = 5000;
  var token = null;
  var seq = 0;
  var timer = null;
  var stopped = false;
  var checking = false;

  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () {
        return {};  // not JSON: a proxy's or the server's error page
      }).then(function (data) {
        if (!response.ok) throw new Error((data.error && data.error.message) || "网络错误，请刷新页面后重试");
        return data;
      });
    }, function () {
      throw new Error("网络连接中断，请检查网络后刷新页面");
    });
  }

  function seconds(n) {
    return Math.floor(n / 60) + " 分 " + String(n % 60).padStart(2, "0") + " 秒";
  }

  function show(data) {
    var text = "平台已核定观看 " + seconds(data.watched) + " / " + seconds(data.duration);
    if (data.complete) text += "，本课件已完成";
    if (data.course_complete) text += "；课程已完成，学时已登记";
    if (data.message) text = data.message + "。" + text;
    status.textContent = text;
    if (data.stopped) {
      stopped = true;
      video.pause();
      clearInterval(timer);
    }
    if (data.check && !checking) ask(data.check);
  }

  function ask(check) {
    checking = true;
    video.pause();
    document.getElementById("check-prompt").textContent = check.prompt;
    var choices = document.getElementById("check-choices");
    choices.textContent = "";
    check.choices.forEach(function (n) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = String(n);
      button.addEventListener("click", function () {
        post(box.dataset.answer, { token: token, choice: n }).then(function (data) {
          dialog.hidden = true;
          checking = false;
          show(data);
          // Back to the first second not yet credited (the check stopped the credit where it fell).
          if (!data.complete && data.resume < video.currentTime) video.currentTime = data.resume;
        }, fail);
      });
      choices.appendChild(button);
    });
    dialog.hidden = false;
  }

  function fail(error) {
    status.textContent = error.message;
  }

  function beat() {
    if (!token || stopped) return;
    seq += 1;
    post(box.dataset.beat, {
      token: token,
      seq: seq,
      position: video.currentTime,
      rate: video.playbackRate,
      // At "ended" the video reports paused, yet it played to the end: that last stretch counts.
      playing: video.ended || !video.paused,
      visible: document.visibilityState === "visible",
    }).then(show, fail);
  }

  post(box.dataset.playback, { item: Number(box.dataset.item) }).then(function (data) {
    token = data.token;
    show(data);
    var resume = function () {
      if (data.resume > 0 && data.resume < video.duration) video.currentTime = data.resume;
    };
    if (video.readyState >= 1) resume();
    else video.addEventListener("loadedmetadata", resume, { once: true });
    timer = setInterval(beat, BEAT_MS);
    ["play", "pause", "seeked", "ratechange", "ended"].forEach(function (name) {
      video.addEventListener(name, beat);
    });
    document.addEventListener("visibilitychange", beat);
  }, fail);
})();
