-- SPDX-License-Identifier: Apache-2.0
-- bench/idm: a GET with an access token (RFC 6750 2.1). BENCH_TOKEN is a
-- client_credentials token with scope seal.gm.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
