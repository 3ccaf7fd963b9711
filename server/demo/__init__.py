"""Generated sample material and the demo case, for `make run`, the tests and the benchmarks.

Nothing here is used by verification: no check, rule or report reads these modules."""
