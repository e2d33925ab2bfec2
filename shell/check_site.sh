#!/usr/bin/env bash
# Opens the built documentation site in headless Chromium and checks that it
# renders offline:
#   1. every stylesheet, script, image and icon that the home page and one
#      API page load is a file of the site (no CDN, no web font);
#   2. the site is served on 127.0.0.1 with every other host unreachable,
#      and Chromium loads both pages, their assets and the search index:
#      no request may fail (the server's log) and the console must show no
#      failed resource or script error;
#   3. typing a query into the search box lists the matching API page
#      (the search index and its worker load without network);
#   4. each page's rendered DOM holds its content, and its screenshot
#      (written to OUT_DIR) is a real picture, not a blank page.
# Needs Chromium: Debian's package, `apt-get install chromium` (as root).
# Usage: bash shell/check_site.sh [PYTHON] [SITE_DIR] [OUT_DIR]
# (`make docs-check` builds the site first and passes site/ and
# site-check/.)
set -euo pipefail
PY=${1:-python3}
SITE=$(cd "${2:-site}" && pwd)
OUT=${3:-site-check}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
HOME_PAGE=index.html
API_PAGE=api/optimizers/AdamP.html

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$CHROMIUM" ]]; then
    echo "check_site: Chromium not found; install Debian's package:" \
        "apt-get update && apt-get install -y chromium" >&2
    exit 1
fi
for page in "$HOME_PAGE" "$API_PAGE"; do
    [[ -f "$SITE/$page" ]] || {
        echo "check_site: $SITE/$page missing; run make docs first" >&2
        exit 1
    }
done

echo "==> Assets of $HOME_PAGE and $API_PAGE are files of the site"
"$PY" - "$SITE" "$HOME_PAGE" "$API_PAGE" <<'PYEOF'
import html.parser
import pathlib
import posixpath
import sys
import urllib.parse

site = pathlib.Path(sys.argv[1])


class Assets(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "source", "iframe") and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs.get("rel") not in (
                "next", "prev", "canonical"):
            self.urls.append(attrs["href"])


for page in sys.argv[2:]:
    parser = Assets()
    parser.feed((site / page).read_text(encoding="utf-8"))
    assert parser.urls, f"{page}: no assets found"
    for url in parser.urls:
        parts = urllib.parse.urlsplit(url)
        assert not parts.scheme and not parts.netloc, (
            f"{page} loads {url} from the network")
        target = posixpath.normpath(
            posixpath.join(posixpath.dirname(page), parts.path))
        assert (site / target).is_file(), f"{page}: {url} is not in the site"
    print(f"{page}: {len(parser.urls)} assets, all local")
PYEOF

echo "==> Serving the site on 127.0.0.1 (every other host unreachable)"
PORT=$("$PY" -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
"$PY" -m http.server "$PORT" --bind 127.0.0.1 --directory "$SITE" \
    >"$OUT/server.log" 2>&1 &
SERVER=$!
PROFILE=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$PROFILE"' EXIT
for _ in $(seq 50); do
    "$PY" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/').read()" \
        2>/dev/null && break
    sleep 0.1
done

chromium_run() {  # chromium_run LOG ARGS... (the page is the last argument)
    local log=$1
    shift
    "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$PROFILE" --hide-scrollbars \
        --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
        --enable-logging=stderr --v=0 --virtual-time-budget=5000 \
        --window-size=1280,1000 "$@" 2>>"$log"
}

for page in "$HOME_PAGE" "$API_PAGE"; do
    name=$(basename "$page" .html)
    url="http://127.0.0.1:$PORT/$page"
    echo "==> Chromium: $url"
    chromium_run "$OUT/$name.console.log" --dump-dom "$url" \
        >"$OUT/$name.dom.html"
    chromium_run "$OUT/$name.console.log" \
        --screenshot="$OUT/$name.png" "$url" >/dev/null
done

echo "==> Search, offline: typing a query lists the matching API page"
"$PY" - "$CHROMIUM" "http://127.0.0.1:$PORT/$HOME_PAGE" "$PROFILE" \
    <<'PYEOF'
import fcntl
import json
import os
import subprocess
import sys
import time

# The Chromium DevTools protocol over a pipe (--remote-debugging-pipe:
# commands on fd 3, replies on fd 4, each message ending in a NUL byte),
# to type into the search box like a user.
chromium, url, profile = sys.argv[1:4]


def high_fd(fd):
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


commands_read, commands_write = map(high_fd, os.pipe())
replies_read, replies_write = map(high_fd, os.pipe())


def chromium_fds():
    os.dup2(commands_read, 3)
    os.dup2(replies_write, 4)


browser = subprocess.Popen(
    [chromium, "--headless", "--no-sandbox", "--disable-gpu",
     "--no-first-run", f"--user-data-dir={profile}",
     "--remote-debugging-pipe",
     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
     "about:blank"],
    pass_fds=(3, 4), preexec_fn=chromium_fds,
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(commands_read)
os.close(replies_write)
buffer = b""
next_id = 0


def call(method, session=None, **params):
    global buffer, next_id
    next_id += 1
    message = {"id": next_id, "method": method, "params": params}
    if session:
        message["sessionId"] = session
    os.write(commands_write, json.dumps(message).encode() + b"\0")
    while True:
        while b"\0" not in buffer:
            chunk = os.read(replies_read, 65536)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            buffer += chunk
        raw, buffer = buffer.split(b"\0", 1)
        reply = json.loads(raw)
        if reply.get("id") == next_id:
            if "error" in reply:
                raise RuntimeError(f"{method}: {reply['error']}")
            return reply["result"]


SEARCH = """(async () => {
  const wait = ms => new Promise(done => setTimeout(done, ms));
  let input = null;
  for (let i = 0; i < 100 && !input; i++) {
    input = document.querySelector('[data-md-component="search-query"]');
    await wait(100);
  }
  if (!input) return {found: 0, error: "no search box"};
  input.focus();
  for (let i = 0; i < 100; i++) {
    input.value = QUERY;
    input.dispatchEvent(new Event("input", {bubbles: true}));
    input.dispatchEvent(new KeyboardEvent("keyup", {bubbles: true}));
    await wait(200);
    const items = document.querySelectorAll(".md-search-result__item a");
    if (items.length) {
      return {found: items.length,
              hrefs: Array.from(items, a => a.getAttribute("href"))};
    }
  }
  return {found: 0};
})()"""
try:
    target = call("Target.createTarget", url=url)["targetId"]
    session = call("Target.attachToTarget", targetId=target,
                   flatten=True)["sessionId"]
    for _ in range(100):  # until the page, not about:blank, is loaded
        state = call("Runtime.evaluate", session=session,
                     expression="document.readyState + ' ' + location.href",
                     returnByValue=True)["result"].get("value", "")
        if state == f"complete {url}":
            break
        time.sleep(0.1)
    result = call("Runtime.evaluate", session=session,
                  expression=SEARCH.replace("QUERY", json.dumps("orthograd")),
                  awaitPromise=True, returnByValue=True)
finally:
    browser.kill()
found = result["result"].get("value") or {}
hits = [h for h in found.get("hrefs", [])
        if "/api/optimizers/OrthoGrad.html" in h]
assert hits, f"searching 'orthograd' did not list its API page: {found}"
print(f"search for 'orthograd': {found['found']} results, "
      f"the API page among them")
PYEOF

echo "==> Checking requests, console, DOM and screenshots"
"$PY" - "$OUT" <<'PYEOF'
import pathlib
import re
import struct
import sys

out = pathlib.Path(sys.argv[1])
requests = re.findall(r'"GET (\S+) HTTP/[\d.]+" (\d{3})',
                      (out / "server.log").read_text())
failed = [(path, status) for path, status in requests
          if not status.startswith(("2", "3"))]
assert requests, "the server saw no request"
assert not failed, f"failed requests: {failed}"
paths = {path for path, _ in requests}
for needed in ("/search/search_index.json", "/index.html",
               "/api/optimizers/AdamP.html"):
    assert needed in paths, f"Chromium never requested {needed}: {paths}"
print(f"{len(requests)} requests, none failed "
      f"(the search index included)")

expected = {
    "index": ["30-second tour", "kerastricks.optimizers.AdamP",
              "md-search"],
    "AdamP": ["kerastricks.optimizers.AdamP", "learning_rate",
              "Parameters", "Source code in", "highlight"],
}
for name, needles in expected.items():
    console = (out / f"{name}.console.log").read_text(errors="replace")
    # Chromium logs the page's console as "INFO:CONSOLE..." lines.
    problems = [line for line in console.splitlines() if "CONSOLE" in line
                and re.search(r"net::ERR_|Uncaught|Failed to|Refused to",
                              line)]
    assert not problems, f"{name}: console errors: {problems}"
    dom = (out / f"{name}.dom.html").read_text(errors="replace")
    missing = [needle for needle in needles if needle not in dom]
    assert not missing, f"{name}: rendered DOM lacks {missing}"
    png = (out / f"{name}.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n", f"{name}.png is no PNG"
    width, height = struct.unpack(">II", png[16:24])
    # A blank or unstyled page compresses to a few kilobytes.
    assert width >= 1000 and height >= 800 and len(png) > 40_000, (
        f"{name}.png looks empty: {width}x{height}, {len(png)} bytes")
    print(f"{name}: DOM has {needles}; screenshot {width}x{height}, "
          f"{len(png) // 1024} KiB")
print(f"site renders offline; screenshots in {out}")
PYEOF
