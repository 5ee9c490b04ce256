"""Benchmark suite of 政策通: NLU quality, end-to-end conversations, speed against Rasa's starter bot,
training time, model size, start-up time and memory. `make bench` (full) or `python -m bench --smoke`."""
