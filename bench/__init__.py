"""Benchmarks: `make bench` prints `name: value unit` lines; tests never assert timings."""
