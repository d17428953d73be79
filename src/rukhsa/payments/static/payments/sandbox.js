// The sandbox gateway's card page is opened with a one-time grant in its link, spent on that
// first visit: keep it out of the address bar, and so out of a bookmark or a shared screen.
if (new URLSearchParams(window.location.search).has("grant")) {
  window.history.replaceState(window.history.state, "", window.location.pathname);
}
