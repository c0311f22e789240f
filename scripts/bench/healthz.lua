function done(summary, latency, requests)
  io.write(string.format("wrk_requests=%d wrk_p99_ms=%.2f wrk_seconds=%.3f\n", summary.requests, latency:percentile(99) / 1000, summary.duration / 1e6))
end
