"""Count what a journey costs a person: screens (page loads of the top frame) and interactions
(each form field the person changes on a page counts once — a radio group is one — plus each
click on a link or a button). The counts live in the tab's sessionStorage, so they survive the
page loads they count."""

from dataclasses import dataclass

from playwright.sync_api import BrowserContext, Page

_SCRIPT = """
(() => {
  if (window.top !== window) { return; }
  const KEY = "rukhsa-journey-count";
  const EMPTY = '{"screens":0,"interactions":0}';
  const read = () => JSON.parse(sessionStorage.getItem(KEY) || EMPTY);
  const add = (field) => {
    const c = read();
    c[field] += 1;
    sessionStorage.setItem(KEY, JSON.stringify(c));
  };
  add("screens");
  const touched = new Set();
  const changed = (event) => {
    const el = event.target;
    if (!el || !el.name || touched.has(el.name)) { return; }
    touched.add(el.name);
    add("interactions");
  };
  document.addEventListener("input", changed, true);
  document.addEventListener("change", changed, true);
  document.addEventListener("click", (event) => {
    const target = event.target;
    if (target && target.closest && target.closest("a[href], button, summary")) {
      add("interactions");
    }
  }, true);
})();
"""


@dataclass(frozen=True)
class Cost:
    screens: int
    interactions: int


def count_journeys(context: BrowserContext) -> None:
    """Count in every page of `context` from now on."""
    context.add_init_script(_SCRIPT)


def cost(page: Page) -> Cost:
    data = page.evaluate(
        "JSON.parse(sessionStorage.getItem('rukhsa-journey-count') || "
        '\'{"screens":0,"interactions":0}\')'
    )
    return Cost(screens=int(data["screens"]), interactions=int(data["interactions"]))
