-- SPDX-License-Identifier: Apache-2.0
-- bench/idm: the token endpoint, client_credentials with HTTP Basic
-- (client_secret_basic, RFC 6749 2.3.1 and 4.4). BENCH_BASIC is the base64
-- of "client_id:client_secret" (both form-urlencoded first).
wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=seal.gm"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
