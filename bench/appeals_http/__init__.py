"""Settings and URLconf used only by bench/bench_appeals.py (a hello-world endpoint beside the product)."""
