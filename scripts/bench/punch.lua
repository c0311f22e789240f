-- wrk script: the morning rush. Each request punches as a different person (distinct bearer tokens);
-- each person goes in → break_start → break_end → out over successive passes. Every request carries a
-- unique Idempotency-Key. Counts 201 (acknowledged), 409 (refused by the sequence rule) and others.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  local nthreads = tonumber(args[2])
  -- every acknowledged punch id goes to a file, so the benchmark can check each one is stored
  if args[3] then
    idfile = io.open(args[3] .. "-" .. tid, "w")
    -- fully buffered: a write per response would be a system call per response, taken from the server's CPU;
    -- the buffer is flushed when wrk exits
    idfile:setvbuf("full", 65536)
  end
  tokens = {}
  local i = 0
  for line in io.lines(file) do
    local tab = line:find("\t")
    if tab then
      -- the request line and headers that never change for this person, made once
      if i % nthreads == tid then
        table.insert(tokens, "POST /api/v1/punches HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nAuthorization: Bearer " .. line:sub(tab + 1) .. "\r\n")
      end
      i = i + 1
    end
  end
  kinds = { "in", "break_start", "break_end", "out" }
  bodies = {}
  for _, k in ipairs(kinds) do bodies[k] = '{"kind":"' .. k .. '","place":"本庁舎"}' end
  n = 0
  created = 0; conflict = 0; other = 0
end

function request()
  local idx = (n % #tokens) + 1
  local pass = math.floor(n / #tokens)
  local kind = kinds[(pass % #kinds) + 1]
  n = n + 1
  local body = bodies[kind]
  return tokens[idx] .. "Idempotency-Key: bench-" .. tid .. "-" .. n .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
    if idfile then
      local id = body:match('"id":"([^"]+)"')
      if id then idfile:write(id, "\n") end
    end
  elseif status == 409 then conflict = conflict + 1
  else other = other + 1 end
end

function done(summary, latency, requests)
  local c, k, o = 0, 0, 0
  for _, t in ipairs(threads) do
    c = c + t:get("created"); k = k + t:get("conflict"); o = o + t:get("other")
  end
  io.write(string.format("wrk_created=%d wrk_conflict=%d wrk_other=%d wrk_p50_ms=%.2f wrk_p99_ms=%.2f wrk_seconds=%.3f\n",
    c, k, o, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration / 1e6))
end
