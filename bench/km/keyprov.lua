-- SPDX-License-Identifier: Apache-2.0
-- wrk script for bench/km: POST /keymanagement/identity/v1/keyprov/<uri>
-- with a Bearer token, each request a fresh identity of the thread's own
-- range (BENCH_PER_THREAD identities per thread), so every request makes
-- the KMS issue (and store) a new key set. Non-200 answers are counted by
-- wrk ("Non-2xx or 3xx responses").
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("BENCH_TOKEN")
  per = tonumber(os.getenv("BENCH_PER_THREAD"))
  base = tonumber(os.getenv("BENCH_BASE") or "0")
  counter = 0
end

function request()
  local i = base + tid * per + (counter % per)
  counter = counter + 1
  local path = string.format("/keymanagement/identity/v1/keyprov/sip%%3Ak%06d%%40bench.example", i)
  return wrk.format("POST", path, { ["Authorization"] = "Bearer " .. token,
                                    ["Content-Length"] = "0" }, "")
end
