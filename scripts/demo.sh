#!/usr/bin/env bash
# Install frontdesk and run the demo on the embedded default (SQLite at ./frontdesk.db,
# offline language layer, no keys).
#
#   bash scripts/demo.sh                 the web chat: frontdesk serve on 127.0.0.1:8080
#                                        (FRONTDESK_PORT to change), opened in a browser
#                                        when there is one; Ctrl-C stops it
#   bash scripts/demo.sh SLUG [--lang de] talk to one business in the terminal instead
#                                        (praxis-sommer, bloom-salon, rapid-rooter)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh ""
if [ -n "${1:-}" ]; then
  business=$1
  shift
  exec frontdesk chat --business "$business" "$@"
fi
port=${FRONTDESK_PORT:-8080}
url="http://127.0.0.1:$port/"
echo "frontdesk: the web chat with the demo businesses at $url (Ctrl-C stops it)"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = Darwin ]; then
  # open the browser once the server answers
  ( for _ in $(seq 1 120); do
      if python -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" "${url}healthz" 2>/dev/null; then
        python -m webbrowser -t "$url" >/dev/null 2>&1 || true
        break
      fi
      sleep 0.5
    done ) &
fi
exec frontdesk serve --host 127.0.0.1 --port "$port"
