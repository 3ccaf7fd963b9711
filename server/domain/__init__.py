"""The domain: cases, photos, findings, verdicts and the result shape. Plain data and
rules; no I/O (a test checks that nothing here opens a file, a socket or a process)."""
