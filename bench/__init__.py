"""Benchmarks behind `make bench`. Never imported by Relais."""
