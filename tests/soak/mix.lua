-- wrk script of scripts/soak, phase 1: mixed GET traffic. Logged-in pages of an administrator
-- (session cookie from the environment variable SOAK_COOKIE, never on the command line) and
-- anonymous pages, JSON and HTML, static files; each connection walks the list from its own
-- random starting point. done() prints one line with the responses counted by status, summed
-- over all threads, and one with wrk's own summary (requests and socket errors).

local logged_in = {
  {"/", "application/json"},
  {"/", "text/html"},
  {"/sachbearbeiter", "text/html"},
  {"/sachbearbeiter?name=Soak&pro_seite=20", "application/json"},
  {"/gruppen", "text/html"},
  {"/protokoll", "text/html"},
  {"/mitgliederdaten", "text/html"},
  {"/einstellungen", "text/html"},
  {"/suche?q=Passwort", "application/json"},
  {"/feedback", "text/html"},
}
local anonymous = {
  {"/anmelden", "text/html"},
  {"/", "text/html"},                  -- 303 to /anmelden
  {"/faq", "text/html"},
  {"/suche?q=TAN", "text/html"},
  {"/impressum", "text/html"},
  {"/datenschutz", "text/html"},
  {"/barrierefreiheit", "text/html"},
  {"/nutzungsbedingungen", "text/html"},
  {"/passwort-vergessen", "text/html"},
  {"/support", "application/json"},
  {"/static/mv.css", "text/css"},
}

local threads = {}
local counter = 0
local requests = nil
statuses = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local cookie = os.getenv("SOAK_COOKIE") or ""
  requests = {}
  for _, p in ipairs(logged_in) do
    table.insert(requests, wrk.format("GET", p[1], {["Cookie"] = cookie, ["Accept"] = p[2]}))
  end
  for _, p in ipairs(anonymous) do
    table.insert(requests, wrk.format("GET", p[1], {["Accept"] = p[2]}))
  end
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0) % 100000)
  counter = math.random(#requests)
end

function request()
  counter = counter + 1
  return requests[counter % #requests + 1]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, reqs)
  local sum = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for code, n in pairs(s) do
      sum[code] = (sum[code] or 0) + n
    end
  end
  local codes = {}
  for code, _ in pairs(sum) do table.insert(codes, code) end
  table.sort(codes)
  io.write("SOAK-STATUS")
  for _, code in ipairs(codes) do io.write(string.format(" %d=%d", code, sum[code])) end
  io.write("\n")
  local e = summary.errors
  io.write(string.format("SOAK-SUMMARY requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
